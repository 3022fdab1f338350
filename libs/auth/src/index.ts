export * from './token-verifier';
export * from './token-minter';
export * from './jwt-secret';
export * from './passwords';
