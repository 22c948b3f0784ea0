/** Default error messages per HTTP status (never containing a key or other secret). */
export function defaultErrorMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Invalid request (fake server).';
    case 401:
      return 'Incorrect API key provided (fake server).';
    case 403:
      return 'This key is not allowed to use this model (fake server).';
    case 404:
      return 'The requested resource does not exist (fake server).';
    case 408:
      return 'The request timed out (fake server).';
    case 422:
      return 'The request could not be processed (fake server).';
    case 429:
      return 'Rate limit reached, please retry later (fake server).';
    case 500:
      return 'The server had an error while processing your request (fake server).';
    case 502:
      return 'Bad gateway (fake server).';
    case 503:
      return 'The service is temporarily unavailable (fake server).';
    case 529:
      return 'Overloaded (fake server).';
    default:
      return `HTTP ${status} (fake server).`;
  }
}
