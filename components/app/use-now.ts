import { useEffect, useState } from 'react';

// A clock that ticks only while something on screen shows elapsed time (waiting approvals).
export const useNow = (active: boolean, everyMs = 1000): number => {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs]);
  return now;
};
