// A person's rejection: read into rules the validator checks, confirmed by the person when one is there, committed
// to memory; what cannot be read stays prose for the planner and is never reported as addressed.
import type { EngineDeps } from './loop.js';
import type { FeedbackReading } from '../feedback/types.js';
import { reviewOf } from './session.js';
import type { SessionState } from './types.js';

/** `of`: the champion at a checkpoint (it loses its place), or the failed plan at a failure prompt. */
export async function handleRejection(
  state: SessionState,
  deps: EngineDeps,
  iteration: number,
  reason: string,
  of: 'champion' | 'failed',
  now: () => Date,
): Promise<void> {
  const { reviewer, memory, store, emit, signal } = deps;
  const read = async (text: string): Promise<FeedbackReading> =>
    deps.feedbackReader ? deps.feedbackReader.read(text, deps.target, signal) : { text, constraints: [], lines: [], by: 'rules' };
  let reading = await read(reason);
  let confirmed = false;
  let enforced = reading.constraints.length > 0;
  let scope: 'session' | 'goal' = 'session';
  if (!state.settings.unattended && deps.confirmReadings !== false) {
    for (;;) {
      const decision = await reviewer.confirmReading(reading);
      if (decision.kind === 'edit') {
        reading = await read(decision.text);
        enforced = reading.constraints.length > 0;
        continue;
      }
      if (decision.kind === 'note') enforced = false;
      else {
        confirmed = true;
        scope = decision.scope;
        // The person said it with the rule builder: their rule replaces the reading.
        if (decision.reading) reading = decision.reading;
        enforced = reading.constraints.length > 0;
      }
      break;
    }
  }
  const text = reading.text;
  const plan = of === 'champion' ? (state.champion?.plan ?? state.currentPlan) : state.currentPlan;
  await memory.commitReview({
    ...reviewOf(state, iteration, 'rejection', plan, now()),
    reason: text,
    // Unconfirmed readings apply to this session only: a person has not said they hold for the goal.
    ...(enforced ? { constraints: reading.constraints, confirmed, scope: confirmed ? scope : 'session' } : {}),
  });
  state.progress.rejected++;
  if (plan) state.rejectedPlans = [...(state.rejectedPlans ?? []), plan];
  if (!enforced) state.pendingFeedback.push(text);
  if (of === 'champion') {
    // The rejected plan is no longer the plan to beat; whether a better one exists is an open question again.
    state.champion = null;
    delete state.converged;
    state.idleSince = iteration;
  }
  await store.save(state);
  emit({ type: 'feedback-read', iteration, reading, confirmed, enforced });
  emit({ type: 'decision', iteration, decision: 'rejection', reason: text });
}
