import type { SessionUser } from '@/api/types';

export interface MenuItem {
  /** menu.* in the locale files */
  title: string;
  path: string;
}

/** The pages a role works with, in the order it uses them. */
export function menuOf(user: SessionUser): MenuItem[] {
  const unit = user.unitId ? encodeURIComponent(user.unitId) : undefined;
  switch (user.role) {
    case 'province-admin':
    case 'city-admin':
    case 'county-admin':
      return unit
        ? [
            { title: 'menu.dashboard', path: `/units/${unit}` },
            { title: 'menu.teachers', path: `/units/${unit}/teachers` },
            { title: 'menu.quota', path: `/units/${unit}/quota` },
            { title: 'menu.notice', path: `/units/${unit}/notice` },
          ]
        : [];
    case 'school-admin':
      return unit
        ? [
            { title: 'menu.school', path: `/schools/${unit}` },
            { title: 'menu.teachers', path: `/units/${unit}/teachers` },
            { title: 'menu.quota', path: `/units/${unit}/quota` },
            { title: 'menu.notice', path: `/units/${unit}/notice` },
          ]
        : [];
    case 'group-leader':
      return unit ? [{ title: 'menu.school', path: `/schools/${unit}` }] : [];
    case 'teacher':
      return [{ title: 'menu.transcript', path: '/me' }];
    case 'inspector':
      return [{ title: 'menu.inspections', path: '/inspections' }];
    case 'auditor':
      return [{ title: 'menu.audit', path: '/audit' }];
    case 'system':
      return [
        { title: 'menu.audit', path: '/audit' },
        { title: 'menu.inspections', path: '/inspections' },
      ];
    default: {
      const unknown: never = user.role;
      throw new Error(`No menu for role ${String(unknown)}`);
    }
  }
}
