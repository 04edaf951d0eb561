// Commands whose issue has not landed say so plainly and exit 2; they never pretend.
import { UsageError } from '../errors.js';

export function notAvailableYet(command: string): never {
  throw new UsageError(`\`jupiter ${command}\` is not available yet in this version`);
}
