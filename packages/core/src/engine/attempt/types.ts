import type { StructuredLLMError } from '../../errors/index.ts';
import type { FinishReason, Message, OutputMode, Usage } from '../../provider/index.ts';
import type { RoutedModel } from '../../provider/model-router.ts';
import type { ElementTracker } from '../elements.ts';
import type { TryContext } from '../try-model.ts';
import type { StreamingResponse } from '../types.ts';

/** One attempt's settings: the request's (its try context) and this try's. */
export interface AttemptSettings<T> extends TryContext<T> {
  readonly routed: RoutedModel;
  readonly mode: OutputMode;
  readonly messages: readonly Message[];
  readonly attempt: number;
  readonly streaming: boolean;
  /** Element streaming, when the request delivers (or releases) array elements. */
  readonly elements?: ElementTracker | undefined;
}

export interface AttemptOutcome<T> {
  readonly value: T;
  /** Characters of JSON the model wrote. */
  readonly chars: number;
  readonly rawChunks: string[];
  readonly usage: Usage | undefined;
  readonly finishReason: FinishReason | undefined;
  readonly responseId: string | undefined;
  readonly responseModel: string | undefined;
}

/** How an attempt ended: its validated outcome, or why it failed. */
export type AttemptEnd<T> =
  | { readonly outcome: AttemptOutcome<T>; readonly failure?: undefined }
  | { readonly failure: AttemptFailure; readonly outcome?: undefined };

/** What the consumer of a stream receives for one pull. */
export type ResponseResult<T> = IteratorResult<StreamingResponse<T>, undefined>;

/**
 * One running attempt. `pull(onEnd)` resolves with the next partial response;
 * once the attempt has ended it resolves with whatever `onEnd` returns for that
 * end instead (the request runner's next response). Call `close()` when done
 * with it, always.
 */
export interface AttemptRun<T> {
  pull(onEnd: (end: AttemptEnd<T>) => Promise<ResponseResult<T>>): Promise<ResponseResult<T>>;
  close(): void;
}

/** Carries the text an attempt produced before failing, for re-asking the model. */
export class AttemptFailure extends Error {
  declare readonly error: StructuredLLMError;
  declare readonly text: string;
  /** Tokens the failed attempt cost, when the provider reported them. */
  declare readonly usage: Usage | undefined;
  constructor(error: StructuredLLMError, text: string, usage?: Usage) {
    super(error.message);
    this.error = error;
    this.text = text;
    this.usage = usage;
  }
}

/** What the provider said besides its text. */
export interface ProviderMeta {
  usage: Usage | undefined;
  finishReason: FinishReason | undefined;
  responseId: string | undefined;
  responseModel: string | undefined;
}
