import type { RouteRecordRaw } from 'vue-router';
import { ADMINS_ABOVE_SCHOOLS, type PageAccess, UNIT_READERS } from './access';

declare module 'vue-router' {
  interface RouteMeta {
    access?: PageAccess;
    /** The key of the page's name in the locale files (menu.*). */
    title?: string;
    layout?: 'blank' | 'admin' | 'phone';
  }
}

// One chunk per page: a teacher's phone never downloads the admins' charts.
export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/LoginPage.vue'),
    meta: { access: { public: true }, layout: 'blank' },
  },
  {
    path: '/verify/:code',
    name: 'verify',
    component: () => import('@/views/verify/VerifyCertificatePage.vue'),
    meta: { access: { public: true }, layout: 'blank' },
  },
  { path: '/', name: 'home', component: () => import('@/views/errors/HomeRedirect.vue'), meta: { layout: 'blank' } },
  {
    path: '/units/:unitId',
    name: 'dashboard',
    component: () => import('@/views/dashboard/DashboardPage.vue'),
    meta: { access: { roles: [...ADMINS_ABOVE_SCHOOLS, 'system', 'auditor'] }, title: 'menu.dashboard' },
  },
  {
    path: '/units/:unitId/teachers',
    name: 'teachers',
    component: () => import('@/views/teachers/TeachersPage.vue'),
    meta: { access: { roles: UNIT_READERS, unitParam: 'unitId' }, title: 'menu.teachers' },
  },
  {
    path: '/units/:unitId/quota',
    name: 'quota',
    component: () => import('@/views/quota/QuotaPage.vue'),
    meta: { access: { roles: UNIT_READERS, unitParam: 'unitId' }, title: 'menu.quota' },
  },
  {
    path: '/units/:unitId/notice',
    name: 'notice',
    component: () => import('@/views/notice/NoticePage.vue'),
    meta: { access: { roles: UNIT_READERS, unitParam: 'unitId' }, title: 'menu.notice' },
  },
  {
    path: '/schools/:schoolId',
    name: 'school',
    component: () => import('@/views/school/SchoolPage.vue'),
    meta: { access: { roles: [...UNIT_READERS, 'group-leader'], unitParam: 'schoolId' }, title: 'menu.school' },
  },
  {
    path: '/teachers/:teacherId',
    name: 'teacher-transcript',
    component: () => import('@/views/transcript/TranscriptPage.vue'),
    meta: { access: { roles: [...UNIT_READERS, 'group-leader'] }, title: 'menu.transcript' },
  },
  {
    path: '/me',
    name: 'transcript',
    component: () => import('@/views/transcript/TranscriptPage.vue'),
    meta: { access: { roles: ['teacher'] }, title: 'menu.transcript', layout: 'phone' },
  },
  {
    path: '/inspections',
    name: 'inspections',
    component: () => import('@/views/inspection/InspectionPage.vue'),
    meta: { access: { roles: ['inspector', 'system'] }, title: 'menu.inspections' },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('@/views/audit/AuditPage.vue'),
    meta: { access: { roles: ['auditor', 'system'] }, title: 'menu.audit' },
  },
  {
    path: '/forbidden',
    name: 'forbidden',
    component: () => import('@/views/errors/ForbiddenPage.vue'),
    meta: { access: { public: true }, layout: 'blank' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/errors/NotFoundPage.vue'),
    meta: { access: { public: true }, layout: 'blank' },
  },
];
