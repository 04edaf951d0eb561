// Plan quality: a valid plan's score under the goal's objectives (makespan from its schedule, cost, risk, steps).

/** Lower is better in every field. makespan in minutes; risk is the chance that some step goes wrong, 0..1. */
export interface Score {
  makespan: number;
  cost: number;
  risk: number;
  steps: number;
}
