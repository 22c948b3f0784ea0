import { StructuredLLMError } from '../../errors/index.ts';
import type { JsonStreamParser } from '../../json/index.ts';
import { formatIssues, formatPath } from '../../schema/index.ts';
import type { PartialChecker } from '../../schema/model/partial-checker.ts';
import { type ElementTracker, INVALID_ELEMENT } from '../elements.ts';

export type ElementStage = ReturnType<typeof createElementStage>;

/**
 * Element streaming in one attempt: each element of the array at the tracker's
 * path is checked, delivered, and (when not retained) released from the parser
 * as it completes.
 */
export function createElementStage(
  elements: ElementTracker,
  checker: PartialChecker,
  parser: JsonStreamParser,
) {
  const elementPath = elements.path;
  const releasing = !elements.retain;
  // Options of the element check, reused: a checker keeps nothing of them. The subject is
  // given once elements were released: the element no longer sits at its own index.
  const path: (string | number)[] = [...elementPath, 0];
  const subject = { value: undefined as unknown };
  const stage = {
    /** Elements removed from the array in this attempt: while none is, an element sits at its own index. */
    released: 0,
    /** Takes the element completed at `index`: checks, delivers and releases it as its policy says. */
    take(index: number, value: unknown): void {
      // Delivered by an earlier attempt?
      const known = index < elements.delivered;
      if (known && elements.policy === 'skip' && elements.wasInvalid(index)) {
        // Reported invalid by an earlier attempt: stays out of the final value, whatever is written now.
        release();
        return;
      }
      // An element an earlier attempt delivered is skipped; a changed one is checked again.
      if (!known || (elements.differs(index, value) && elements.policy !== 'skip')) {
        path[elementPath.length] = index;
        subject.value = value;
        const issues = checker.check(
          parser.value,
          path,
          true,
          stage.released === 0 ? undefined : subject,
        );
        subject.value = undefined; // hold no element longer than its check
        if (issues !== undefined) {
          const error = new StructuredLLMError({
            category: 'validation',
            code: INVALID_ELEMENT,
            retryable: elements.policy !== 'stop',
            message: `Element ${index} of ${formatPath(elementPath)} is invalid:\n${formatIssues(issues)}`,
          });
          if (elements.policy !== 'skip') throw error;
          elements.reportInvalid(index, error);
          release(); // not silently dropped: reported, and kept out of the final value
          return;
        }
        if (!known) elements.deliver(index, value);
      }
      if (releasing) release();
    },
  };
  const release = (): void => {
    if (parser.releaseLast()) stage.released++;
  };
  return stage;
}
