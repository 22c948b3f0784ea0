export { type Logger, safeLogger, silentLogger } from './logger.ts';
export {
  type AttemptContext,
  type AttemptEndEvent,
  createObserverHub,
  type Observer,
  type ObserverHub,
  type RequestContext,
  type RequestEndEvent,
  type RequestObserver,
  type RequestStartEvent,
} from './observer.ts';
