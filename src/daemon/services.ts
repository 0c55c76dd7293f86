import type { DaemonContext, Service } from './context.js';

// The daemon's parts in start order; each registers its socket methods and publishes its status.
// Later parts may depend on earlier ones through the returned handles.
export const startServices = async (_ctx: DaemonContext): Promise<Service[]> => {
  const services: Service[] = [];
  return services;
};
