import type { SessionUser } from '@/api/types';
import { homeOf, verdict } from './access';
import { routes } from './routes';

const countyAdmin: SessionUser = { sub: 'x', role: 'county-admin', unitId: '320102' };
const schoolAdmin: SessionUser = { sub: 's', role: 'school-admin', unitId: 'S-1' };
const teacher: SessionUser = { sub: 'T-1', role: 'teacher', unitId: 'S-1' };
const inspector: SessionUser = { sub: 'i', role: 'inspector', unitId: '320000' };
const auditor: SessionUser = { sub: 'a', role: 'auditor' };

const accessOf = (name: string) => {
  const route = routes.find((each) => each.name === name);
  if (!route) throw new Error(`No route ${name}`);
  return route.meta?.access ?? {};
};

describe('Page access', () => {
  describe('signed out', () => {
    it('sends every page but sign-in, the certificate check and the error pages to sign in', () => {
      for (const route of routes) {
        const expected = ['login', 'verify', 'forbidden', 'not-found'].includes(String(route.name))
          ? 'allowed'
          : 'sign-in';
        expect({ page: route.name, verdict: verdict(route.meta?.access ?? {}, null, {}) }).toEqual({
          page: route.name,
          verdict: expected,
        });
      }
    });
  });

  describe('a school admin', () => {
    it("opens its own school's pages and no other school's", () => {
      expect(verdict(accessOf('school'), schoolAdmin, { schoolId: 'S-1' })).toBe('allowed');
      expect(verdict(accessOf('school'), schoolAdmin, { schoolId: 'S-2' })).toBe('forbidden');
      for (const page of ['teachers', 'quota', 'notice']) {
        expect(verdict(accessOf(page), schoolAdmin, { unitId: 'S-1' })).toBe('allowed');
        expect(verdict(accessOf(page), schoolAdmin, { unitId: 'S-2' })).toBe('forbidden');
      }
    });

    it('has no dashboard of units above schools, nor the auditors’ or inspectors’ pages', () => {
      expect(verdict(accessOf('dashboard'), schoolAdmin, { unitId: 'S-1' })).toBe('forbidden');
      expect(verdict(accessOf('audit'), schoolAdmin, {})).toBe('forbidden');
      expect(verdict(accessOf('inspections'), schoolAdmin, {})).toBe('forbidden');
    });
  });

  describe('a county admin', () => {
    it('opens the pages of any unit (the API decides which are inside its county)', () => {
      for (const page of ['dashboard', 'teachers', 'quota', 'notice']) {
        expect(verdict(accessOf(page), countyAdmin, { unitId: 'S-9' })).toBe('allowed');
      }
      expect(verdict(accessOf('school'), countyAdmin, { schoolId: 'S-9' })).toBe('allowed');
    });
  });

  describe('a teacher', () => {
    it('opens its own transcript only', () => {
      expect(verdict(accessOf('transcript'), teacher, {})).toBe('allowed');
      for (const page of ['dashboard', 'teachers', 'school', 'teacher-transcript', 'audit']) {
        expect({ page, verdict: verdict(accessOf(page), teacher, { unitId: 'S-1', schoolId: 'S-1' }) }).toEqual({
          page,
          verdict: 'forbidden',
        });
      }
    });
  });

  describe('the page each role starts on', () => {
    it.each([
      [countyAdmin, { name: 'dashboard', params: { unitId: '320102' } }],
      [schoolAdmin, { name: 'school', params: { schoolId: 'S-1' } }],
      [teacher, { name: 'transcript' }],
      [inspector, { name: 'inspections' }],
      [auditor, { name: 'audit' }],
      [{ sub: 'c', role: 'city-admin' } as SessionUser, { name: 'forbidden' }],
    ])('%o starts on %o', (user, home) => {
      expect(homeOf(user)).toEqual(home);
    });

    it('is a page the role may open', () => {
      for (const user of [countyAdmin, schoolAdmin, teacher, inspector, auditor]) {
        const home = homeOf(user);
        const params = 'params' in home ? home.params : {};
        expect({ role: user.role, verdict: verdict(accessOf(home.name), user, params) }).toEqual({
          role: user.role,
          verdict: 'allowed',
        });
      }
    });
  });
});
