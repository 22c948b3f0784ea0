import { describe, expect, it } from 'vitest';
import {
  jsonSchema,
  type PartialChecker,
  type ResponseModel,
  type StreamingResponse,
} from '../../src/index.ts';
// Internal: the service applies it to every model it is given; called here to make a renamed copy.
import { toResponseModel } from '../../src/schema/model/to-response-model.ts';
import { collect, service } from '../support/engine.ts';
import { createMockProvider } from '../support/mock-provider.ts';

interface Ticket {
  status: 'open' | 'closed';
  items: { id: number }[];
}

const ticketModel = jsonSchema<Ticket>(
  {
    type: 'object',
    properties: {
      status: { enum: ['open', 'closed'] },
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: { id: { type: 'integer', minimum: 0 } },
          required: ['id'],
          additionalProperties: false,
        },
      },
    },
    required: ['status', 'items'],
    additionalProperties: false,
  },
  { name: 'ticket' },
);

/**
 * A model of your own (its final check and its checker delegate to `ticketModel`, but
 * nothing tells the engine so), with every call recorded. `validatePartial` is the path
 * of models without a checker; a model with one is never asked through it.
 */
function customTicketModel() {
  const builtIn = ticketModel.partialChecker as PartialChecker;
  const calls = {
    check: [] as { path: (string | number)[]; complete: boolean; subject: unknown }[],
    validatePartial: 0,
    validate: 0,
  };
  const partialChecker: PartialChecker = {
    check(document, path, complete, subject) {
      // The engine reuses `path` and `subject`: keep copies.
      calls.check.push({ path: [...path], complete, subject: subject && { ...subject } });
      return builtIn.check(document, path, complete, subject);
    },
    partPasses: (document, path) => builtIn.partPasses?.(document, path) ?? false,
    prefixesPass: (path) => builtIn.prefixesPass?.(path) ?? false,
    keyCheck: (path, length) => builtIn.keyCheck?.(path, length),
    final: true,
  };
  const model: ResponseModel<Ticket> = {
    name: 'custom_ticket',
    jsonSchema: ticketModel.jsonSchema,
    validate: (value) => {
      calls.validate++;
      return ticketModel.validate(value);
    },
    validatePartial: (value, options) => {
      calls.validatePartial++;
      return ticketModel.validatePartial(value, options);
    },
    partialChecker,
  };
  return { model, calls };
}

async function run(
  responseModel: ResponseModel<Ticket>,
  chunks: string[],
  options: { elements?: boolean } = {},
): Promise<StreamingResponse<Ticket>[]> {
  const provider = createMockProvider({ responses: [{ chunks }] });
  return collect(
    service(provider).routeStructuredStreaming({
      prompt: 'p',
      responseModel,
      maxRetries: 0,
      ...(options.elements === true ? { elementPath: 'items', retainElements: false } : {}),
    }),
  );
}

describe('a response model that offers a partial checker', () => {
  it('has a string no enum value can complete caught while it streams, as a built-in model does', async () => {
    const chunks = ['{"status":"o', 'pe', 'x', 'yz', '","items":[]}'];
    const { model, calls } = customTicketModel();
    const [custom, builtIn] = [await run(model, chunks), await run(ticketModel, chunks)];
    expect(custom.at(-1)?.error?.message).toBe(builtIn.at(-1)?.error?.message);
    expect(custom.at(-1)?.error?.message).toMatch(/^The response can no longer match the schema/);
    expect(custom.map((r) => r.partialResult)).toEqual(builtIn.map((r) => r.partialResult));
    expect(calls.check.some((call) => !call.complete && call.path.join('.') === 'status')).toBe(
      true,
    );
    expect(calls.validatePartial).toBe(0);
  });

  it('has a refused key end the attempt once its name is read, never shown in a partial', async () => {
    const chunks = ['{"status":"open","ro', 'le"', ':"admin","items":[]}'];
    const { model } = customTicketModel();
    const responses = await run(model, chunks);
    expect(responses.at(-1)?.error?.message).toBe(
      'The response has a key the schema does not allow:\n- $.role: unexpected property; allowed: "status", "items"',
    );
    for (const { partialResult } of responses) expect(partialResult).not.toHaveProperty('role');
  });

  it('checks released elements as the subject of the check, and settles the final value from its parts', async () => {
    const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const text = JSON.stringify({ status: 'closed', items });
    const chunks = text.match(/.{1,5}/g) as string[];
    const { model, calls } = customTicketModel();
    const responses = await run(model, chunks, { elements: true });
    expect(responses.at(-1)).toMatchObject({ isComplete: true, error: undefined });
    const elementChecks = calls.check.filter((call) => call.path[0] === 'items' && call.complete);
    // The first element is in place; the later ones were released before their check.
    expect(elementChecks).toEqual([
      { path: ['items', 0], complete: true, subject: undefined },
      { path: ['items', 1], complete: true, subject: { value: { id: 2 } } },
      { path: ['items', 2], complete: true, subject: { value: { id: 3 } } },
    ]);
    expect(calls.validatePartial).toBe(0);
  });

  it('without element streaming, is not asked again at the end when its parts settled the value', async () => {
    const text = JSON.stringify({ status: 'open', items: [{ id: 1 }] });
    const { model, calls } = customTicketModel();
    const responses = await run(model, text.match(/.{1,4}/g) as string[]);
    expect(responses.at(-1)).toMatchObject({
      isComplete: true,
      partialResult: { status: 'open', items: [{ id: 1 }] },
    });
    expect(calls.validate).toBe(0);
    expect(calls.validatePartial).toBe(0);
  });
});

describe('a response model without a partial checker', () => {
  it('is checked through validatePartial, as before', async () => {
    const { model, calls } = customTicketModel();
    const { partialChecker: _, ...withoutChecker } = model;
    const chunks = ['{"status":"o', 'pe', 'x', 'yz', '","items":[]}'];
    const responses = await run(withoutChecker, chunks);
    expect(responses.at(-1)?.error?.message).toMatch(
      /^The response can no longer match the schema/,
    );
    expect(calls.validatePartial).toBeGreaterThan(0);
    expect(calls.check).toEqual([]);
  });
});

describe('the partial checker of a built-in model', () => {
  it('reports a growing value that can no longer match, and passes a complete one', () => {
    const checker = ticketModel.partialChecker;
    expect(checker?.check({ status: 'x' }, ['status'], false)).toEqual([
      { path: ['status'], message: expect.stringContaining('open') },
    ]);
    expect(checker?.check({ status: 'open' }, ['status'], true)).toBeUndefined();
  });

  it('is kept by a renamed copy of the model', () => {
    const renamed = toResponseModel(ticketModel, { name: 'renamed' });
    expect(renamed.name).toBe('renamed');
    expect(renamed.partialChecker).toBe(ticketModel.partialChecker);
  });
});
