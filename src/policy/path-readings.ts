// How else an upstream may read a request path, for deny rules. Servlet containers (Tomcat, Jetty, Spring) drop
// ";params" from every segment, so "/admin;x" is their "/admin"; case-insensitive servers (IIS, Windows and macOS
// file systems) also fold case and drop trailing dots and spaces ("/ADMIN.", "/admin%20"), and many routers ignore a
// trailing slash ("/admin/"). A deny rule that matches any reading denies, so no server-specific spelling reaches
// what the rule denies.

// The path without the ";params" of each segment.
export const servletPath = (path: string): string =>
  path.includes(';')
    ? path
        .split('/')
        .map((s) => {
          const i = s.indexOf(';');
          return i < 0 ? s : s.slice(0, i);
        })
        .join('/')
    : path;

// A servlet reading without trailing dots and (encoded) spaces per segment, and without a trailing slash (Express
// and older Spring route "/admin/" to "/admin"); compared case-insensitively.
export const lenientPath = (servlet: string): string => {
  const p = /[.]|%20/i.test(servlet) ? servlet.split('/').map((s) => s.replace(/(?:\.|%20)+$/i, '')).join('/') : servlet;
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') || '/' : p;
};
