import type { Messages } from './zh-CN';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends string ? string : DeepPartial<T[K]> };

/** English, optional: what is missing here shows in Chinese. */
const en: DeepPartial<Messages> = {
  app: {
    title: 'Teacher IT-ability training programme',
    short: 'TIP',
    signedInAs: 'Signed in as',
    logout: 'Sign out',
    language: 'Language',
    batch: 'Batch',
    noBatch: 'No batch to choose',
    loading: 'Loading…',
    retry: 'Retry',
    asOfPosition: 'As of event #{position}',
    back: 'Back',
    refresh: 'Refresh',
    none: 'None',
    yes: 'Yes',
    no: 'No',
  },
  menu: {
    dashboard: 'Progress',
    school: 'My school',
    teachers: 'Teachers',
    quota: 'Quota',
    notice: 'Weekly notice',
    transcript: 'My transcript',
    inspections: 'Spot checks',
    audit: 'Audit',
  },
  login: {
    title: 'Sign in',
    subtitle: 'Teacher IT-ability training programme',
    username: 'Account',
    password: 'Password',
    submit: 'Sign in',
    usernameRequired: 'Enter your account',
    passwordRequired: 'Enter your password',
    failed: 'Sign-in failed',
    or: 'or',
    oidc: 'Sign in with single sign-on',
  },
  dashboard: {
    completion: 'Completion',
    target: 'Target',
    behind: 'Behind',
    onTrack: 'On track',
    trend: 'Week by week',
    behindUnits: 'Units behind target',
    pilots: 'Pilot schools',
    finishBy: 'Finish by',
    pilotLate: 'Late',
    pilotOnTime: 'On time',
  },
};

export default en;
