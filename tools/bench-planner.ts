// `npm run bench:planner [-- --json] [-- --obfuscated] [-- --seeds 1-12] [-- --sizes 30,40] [-- logistics depots]`
// (--obfuscated: the same instances renamed; --seeds: a range or list, default 1-3; --sizes: of each domain named): the built-in planner on generated PDDL (logistics, depots,
// blocksworld of growing size, tools/pddl-gen.ts): imported as `procedures import` does, planned as the first iteration
// of `plan --provider builtin`, every plan checked by the validator. Prints domain, size, ground actions, solved, plan
// length and median CPU per size (grounding alone / the whole import with its YAML and lint; the first plan, median
// and worst of the seeds); `--json` prints one JSON line instead. Arguments name domains to run (default all).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuiltinPlanner } from '../src/planners/builtin.js';
import type { PlanRequest } from '../src/planners/types.js';
import { importPddl } from '../src/procedures/pddl/import.js';
import { objectivesOf } from '../src/procedures/quality.js';
import { validatePlan } from '../src/procedures/validate.js';
import { GENERATORS, obfuscate, type GeneratorName, type PddlInstance } from './pddl-gen.js';

const SIZES: Record<GeneratorName, number[]> = {
  logistics: [10, 20, 30, 40],
  depots: [10, 20, 30, 40],
  blocksworld: [6, 10, 15, 20],
};
const SEEDS = [1, 2, 3];

/** `--seeds 1-12` (a range) or `--seeds 1,4,7` (a list); the default is SEEDS. */
function seedsOf(args: string[]): number[] {
  const i = args.indexOf('--seeds');
  if (i < 0) return SEEDS;
  const spec = args[i + 1] ?? '';
  const range = /^(\d+)-(\d+)$/.exec(spec);
  const seeds = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, k) => Number(range[1]) + k) : spec.split(',').map(Number);
  if (seeds.length === 0 || seeds.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(`--seeds wants a range like 1-12 or a list like 1,4,7, not "${spec}"`);
  return seeds;
}

/** `--sizes 30,40`: only these sizes of each domain (default all of SIZES). */
function sizesOf(args: string[], domain: GeneratorName): number[] {
  const i = args.indexOf('--sizes');
  if (i < 0) return SIZES[domain];
  return (args[i + 1] ?? '').split(',').map(Number);
}

interface Row {
  domain: string;
  size: number;
  objects: number;
  groundActions: number;
  solved: number;
  instances: number;
  planLength: number | null;
  groundCpuS: number;
  importCpuS: number;
  firstPlanCpuS: number | null;
  maxFirstPlanCpuS: number | null;
  /** Seeds without a valid first plan. */
  unsolvedSeeds: number[];
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]! : NaN);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function runOne(dir: string, inst: PddlInstance, name: string) {
  const domainFile = path.join(dir, `${name}-domain.pddl`);
  const problemFile = path.join(dir, `${name}.pddl`);
  writeFileSync(domainFile, inst.domain);
  writeFileSync(problemFile, inst.problem);
  const t0 = cpu();
  const imported = importPddl(domainFile, problemFile, path.join(dir, `${name}.yaml`));
  const importCpuS = cpu() - t0;
  const groundCpuS = imported.grounding.cpuSeconds;
  const target = { set: imported.set, goal: imported.set.goals[0]! };
  const req: PlanRequest = {
    goalText: target.goal.description,
    target,
    iteration: 1,
    currentPlan: null,
    currentFindings: [],
    champion: null,
    objectives: objectivesOf(target),
    seen: new Set(),
    recall: { items: [], tokens: 0, budget: 0, total: 0 },
    feedback: [],
    signal: new AbortController().signal,
  };
  const t1 = cpu();
  const answer = await new BuiltinPlanner().propose(req).catch(() => undefined);
  const planCpuS = cpu() - t1;
  const valid = answer !== undefined && validatePlan(answer.plan, target).valid;
  return { groundActions: imported.set.actions.length, groundCpuS, importCpuS, planCpuS, valid, length: valid ? answer.plan.steps.length : null };
}

async function measure(dir: string, domain: GeneratorName, size: number, obfuscated: boolean, seeds: number[]): Promise<Row> {
  const runs = [];
  for (const seed of seeds) {
    const plain = GENERATORS[domain](size, seed);
    const inst = obfuscated ? obfuscate(plain, seed) : plain;
    runs.push({ seed, inst, r: await runOne(dir, inst, `${domain}-${size}-${seed}`) });
  }
  const solved = runs.filter((x) => x.r.valid);
  const planCpu = solved.map((x) => x.r.planCpuS);
  return {
    domain: obfuscated ? `${domain} (obfuscated)` : domain,
    size,
    objects: median(runs.map((x) => x.inst.objects)),
    groundActions: median(runs.map((x) => x.r.groundActions)),
    solved: solved.length,
    instances: runs.length,
    planLength: solved.length ? median(solved.map((x) => x.r.length!)) : null,
    groundCpuS: median(runs.map((x) => x.r.groundCpuS)),
    importCpuS: median(runs.map((x) => x.r.importCpuS)),
    firstPlanCpuS: planCpu.length ? median(planCpu) : null,
    maxFirstPlanCpuS: planCpu.length ? Math.max(...planCpu) : null,
    unsolvedSeeds: runs.filter((x) => !x.r.valid).map((x) => x.seed),
  };
}

function table(rows: Row[]): string {
  const head = ['domain', 'objects', 'ground actions', 'solved', 'plan length', 'ground / import CPU s', 'first plan CPU s (median / max)', 'unsolved seeds'];
  const fmt = (x: number | null, d = 2) => (x === null ? '-' : x.toFixed(d));
  const body = rows.map((r) => [
    r.domain,
    String(r.objects),
    String(r.groundActions),
    `${r.solved}/${r.instances}`,
    r.planLength === null ? '-' : String(r.planLength),
    `${fmt(r.groundCpuS)} / ${fmt(r.importCpuS)}`,
    `${fmt(r.firstPlanCpuS)} / ${fmt(r.maxFirstPlanCpuS)}`,
    r.unsolvedSeeds.join(', ') || '-',
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flagValues = new Set(['--seeds', '--sizes'].map((f) => args.indexOf(f) + 1).filter((i) => i > 0));
  const only = args.filter((a, i) => !a.startsWith('--') && !flagValues.has(i)) as GeneratorName[];
  const seeds = seedsOf(args);
  const domains = only.length ? only : (Object.keys(SIZES) as GeneratorName[]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jupiter-bench-planner-'));
  const rows: Row[] = [];
  try {
    for (const obfuscated of args.includes('--obfuscated') ? [true] : [false])
      for (const d of domains)
        for (const size of sizesOf(args, d)) {
          rows.push(await measure(dir, d, size, obfuscated, seeds));
          // Progress on stderr, so a long run shows where it is without touching the table or the JSON line.
          process.stderr.write(`${table(rows.slice(-1)).split('\n').pop()}\n`);
        }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(args.includes('--json') ? `${JSON.stringify({ rows })}\n` : `${table(rows)}\n`);
}

await main();
