// oidc-provider ships no type declarations; the tests use it through tests/support/oidc-provider.ts only.
declare module 'oidc-provider';
