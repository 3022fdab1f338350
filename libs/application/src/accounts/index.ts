export * from './sign-in.service';
export * from './token-revocation-list';
export * from './unit-directory';
