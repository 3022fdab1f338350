import type { Role, SessionUser } from '@/api/types';

/** Who may open a page; the API checks again for every answer (a page is only a view of it). */
export interface PageAccess {
  /** Open without signing in (the certificate check). */
  public?: boolean;
  /** Roles that may open it; every signed-in user when absent. */
  roles?: readonly Role[];
  /**
   * The route parameter naming a unit: a school admin or a teacher may open only their own
   * school's page (admins above schools reach any unit below theirs, which the API confirms).
   */
  unitParam?: string;
}

export const ADMINS_ABOVE_SCHOOLS: readonly Role[] = ['province-admin', 'city-admin', 'county-admin'];
export const UNIT_READERS: readonly Role[] = [...ADMINS_ABOVE_SCHOOLS, 'school-admin', 'system', 'auditor'];

export type Home =
  | { name: 'dashboard'; params: { unitId: string } }
  | { name: 'school'; params: { schoolId: string } }
  | { name: 'transcript' }
  | { name: 'inspections' }
  | { name: 'audit' }
  | { name: 'forbidden' };

/** The page each role starts on. */
export function homeOf(user: SessionUser): Home {
  switch (user.role) {
    case 'province-admin':
    case 'city-admin':
    case 'county-admin':
      return user.unitId ? { name: 'dashboard', params: { unitId: user.unitId } } : { name: 'forbidden' };
    case 'school-admin':
    case 'group-leader':
      return user.unitId ? { name: 'school', params: { schoolId: user.unitId } } : { name: 'forbidden' };
    case 'teacher':
      return { name: 'transcript' };
    case 'inspector':
      return { name: 'inspections' };
    case 'auditor':
    case 'system':
      return { name: 'audit' };
    default: {
      const unknown: never = user.role;
      throw new Error(`No home for role ${String(unknown)}`);
    }
  }
}

export type Verdict = 'allowed' | 'sign-in' | 'forbidden';

export function verdict(access: PageAccess, user: SessionUser | null, params: Record<string, unknown>): Verdict {
  if (access.public) return 'allowed';
  if (!user) return 'sign-in';
  if (access.roles && !access.roles.includes(user.role)) return 'forbidden';
  if (access.unitParam && (user.role === 'school-admin' || user.role === 'group-leader' || user.role === 'teacher')) {
    if (params[access.unitParam] !== user.unitId) return 'forbidden';
  }
  return 'allowed';
}
