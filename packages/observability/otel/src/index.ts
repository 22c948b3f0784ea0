export {
  createOpenTelemetryObserver,
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
  type OpenTelemetryObserverOptions,
} from './otel-observer.ts';
export * from './semconv.ts';
