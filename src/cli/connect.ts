import { resolvePaths, type Paths } from '../config/paths.js';
import { DaemonClient } from '../daemon/client.js';

// Runs fn with a connected client and always closes it.
export const withDaemon = async <T>(name: string, fn: (c: DaemonClient, paths: Paths) => Promise<T>): Promise<T> => {
  const paths = resolvePaths();
  const client = await DaemonClient.connect(paths.socket, name);
  try {
    return await fn(client, paths);
  } finally {
    client.close();
  }
};
