import { requireRole } from '@matchday/http';
import { breakerStates } from '@matchday/resilience';
import { Router } from 'express';

/** State and rolling statistics of this process's circuit breakers. */
export function breakerRoutes(): Router {
  const r = Router();
  r.get('/v1/admin/breakers', requireRole('admin', 'support'), (_req, res) => {
    res.json({ breakers: breakerStates() });
  });
  return r;
}
