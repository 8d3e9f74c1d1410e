/** The nonce the server gave this page for style elements, on the stylesheet's link (the CSP allows style elements carrying it). */
export function styleNonce(): string {
  return document.querySelector<HTMLLinkElement>('link[rel="stylesheet"][nonce]')?.nonce ?? '';
}
