import {
  jsonSchema,
  type ProgressEvent,
  type StreamingResponse,
  StructuredLLMError,
  StructuredLLMService,
  type StructuredLLMServiceOptions,
  type StructuredProvider,
} from '../../src/index.ts';

export interface Profile {
  name: string;
  age: number;
  tags: string[];
  address: { city: string; country: string };
}

export const profile: Profile = {
  name: 'Ada Lovelace',
  age: 36,
  tags: ['math', 'poetry', 'engines'],
  address: { city: 'London', country: 'UK' },
};

export const profileModel = jsonSchema<Profile>(
  {
    type: 'object',
    properties: {
      name: { type: 'string' },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      tags: { type: 'array', items: { type: 'string' } },
      address: {
        type: 'object',
        properties: { city: { type: 'string' }, country: { type: 'string' } },
        required: ['city', 'country'],
        additionalProperties: false,
      },
    },
    required: ['name', 'age', 'tags', 'address'],
    additionalProperties: false,
  },
  { name: 'profile' },
);

export function service(
  providers: StructuredProvider | StructuredProvider[],
  options: Partial<StructuredLLMServiceOptions> = {},
): StructuredLLMService {
  return new StructuredLLMService({
    providers: Array.isArray(providers) ? providers : [providers],
    defaultModel: 'mock/model-a',
    retry: { baseDelayMs: 0, maxDelayMs: 0, random: () => 0 },
    ...options,
  });
}

/** Collects every response, snapshotting the (live) partials as they come. */
export async function collect<T>(
  stream: AsyncIterable<StreamingResponse<T>>,
): Promise<StreamingResponse<T>[]> {
  const responses: StreamingResponse<T>[] = [];
  for await (const response of stream) {
    responses.push({ ...response, partialResult: structuredClone(response.partialResult) });
  }
  return responses;
}

/** The StructuredLLMError a request failed with (fails the test if it succeeded). */
export async function failureOf(promise: Promise<unknown>): Promise<StructuredLLMError> {
  try {
    await promise;
  } catch (error) {
    if (StructuredLLMError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

export function recordEvents(): {
  events: ProgressEvent[];
  callback: (event: ProgressEvent) => void;
} {
  const events: ProgressEvent[] = [];
  return { events, callback: (event) => void events.push(event) };
}
