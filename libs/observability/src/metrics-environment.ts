import { z } from 'zod';

/** The relay's and the projector workers' metrics port (they have no HTTP API of their own); unset, none. */
export const metricsEnvironment = {
  TIP_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
};
