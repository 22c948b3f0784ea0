export { errorTexts, type FindSecretOptions, findSecret, type SecretLeak } from './find-secret.ts';
