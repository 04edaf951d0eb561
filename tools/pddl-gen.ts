// Small generators of PDDL instances for the planner benchmark and tests: logistics, depots and blocksworld of growing
// size, written here from the domains' published rules (no instance data copied), seeded so every run is the same.
// `obfuscate` renames every predicate, action, type and object meaninglessly and drops :typing, as some test sets do.
import { rng } from './synthetic.js';

export interface PddlInstance {
  domain: string;
  problem: string;
  /** Objects in the problem (the size the bench reports). */
  objects: number;
}

export type GeneratorName = 'logistics' | 'depots' | 'blocksworld';

const LOGISTICS_DOMAIN = `(define (domain logistics)
  (:requirements :strips :typing)
  (:types truck airplane - vehicle
          package vehicle - physobj
          airport location - place
          city place physobj - object)
  (:predicates (in-city ?loc - place ?city - city) (at ?obj - physobj ?loc - place) (in ?pkg - package ?veh - vehicle))
  (:action load-truck :parameters (?pkg - package ?truck - truck ?loc - place)
    :precondition (and (at ?truck ?loc) (at ?pkg ?loc))
    :effect (and (not (at ?pkg ?loc)) (in ?pkg ?truck)))
  (:action load-airplane :parameters (?pkg - package ?airplane - airplane ?loc - place)
    :precondition (and (at ?pkg ?loc) (at ?airplane ?loc))
    :effect (and (not (at ?pkg ?loc)) (in ?pkg ?airplane)))
  (:action unload-truck :parameters (?pkg - package ?truck - truck ?loc - place)
    :precondition (and (at ?truck ?loc) (in ?pkg ?truck))
    :effect (and (not (in ?pkg ?truck)) (at ?pkg ?loc)))
  (:action unload-airplane :parameters (?pkg - package ?airplane - airplane ?loc - place)
    :precondition (and (in ?pkg ?airplane) (at ?airplane ?loc))
    :effect (and (not (in ?pkg ?airplane)) (at ?pkg ?loc)))
  (:action drive-truck :parameters (?truck - truck ?loc-from - place ?loc-to - place ?city - city)
    :precondition (and (at ?truck ?loc-from) (in-city ?loc-from ?city) (in-city ?loc-to ?city))
    :effect (and (not (at ?truck ?loc-from)) (at ?truck ?loc-to)))
  (:action fly-airplane :parameters (?airplane - airplane ?loc-from - airport ?loc-to - airport)
    :precondition (at ?airplane ?loc-from)
    :effect (and (not (at ?airplane ?loc-from)) (at ?airplane ?loc-to))))
`;

const DEPOTS_DOMAIN = `(define (domain depots)
  (:requirements :strips :typing)
  (:types place locatable - object
          depot distributor - place
          truck hoist surface - locatable
          pallet crate - surface)
  (:predicates (at ?x - locatable ?y - place) (on ?x - crate ?y - surface) (in ?x - crate ?y - truck)
               (lifting ?x - hoist ?y - crate) (available ?x - hoist) (clear ?x - surface))
  (:action drive :parameters (?x - truck ?y - place ?z - place)
    :precondition (and (at ?x ?y))
    :effect (and (not (at ?x ?y)) (at ?x ?z)))
  (:action lift :parameters (?x - hoist ?y - crate ?z - surface ?p - place)
    :precondition (and (at ?x ?p) (available ?x) (at ?y ?p) (on ?y ?z) (clear ?y))
    :effect (and (not (at ?y ?p)) (lifting ?x ?y) (not (clear ?y)) (not (available ?x)) (clear ?z) (not (on ?y ?z))))
  (:action drop :parameters (?x - hoist ?y - crate ?z - surface ?p - place)
    :precondition (and (at ?x ?p) (at ?z ?p) (clear ?z) (lifting ?x ?y))
    :effect (and (available ?x) (not (lifting ?x ?y)) (at ?y ?p) (not (clear ?z)) (clear ?y) (on ?y ?z)))
  (:action load :parameters (?x - hoist ?y - crate ?z - truck ?p - place)
    :precondition (and (at ?x ?p) (at ?z ?p) (lifting ?x ?y))
    :effect (and (not (lifting ?x ?y)) (in ?y ?z) (available ?x)))
  (:action unload :parameters (?x - hoist ?y - crate ?z - truck ?p - place)
    :precondition (and (at ?x ?p) (at ?z ?p) (available ?x) (in ?y ?z))
    :effect (and (not (in ?y ?z)) (not (available ?x)) (lifting ?x ?y))))
`;

const BLOCKS_DOMAIN = `(define (domain blocksworld)
  (:requirements :strips)
  (:predicates (clear ?x) (on-table ?x) (arm-empty) (holding ?x) (on ?x ?y))
  (:action pick-up :parameters (?ob)
    :precondition (and (clear ?ob) (on-table ?ob) (arm-empty))
    :effect (and (holding ?ob) (not (clear ?ob)) (not (on-table ?ob)) (not (arm-empty))))
  (:action put-down :parameters (?ob)
    :precondition (holding ?ob)
    :effect (and (clear ?ob) (arm-empty) (on-table ?ob) (not (holding ?ob))))
  (:action stack :parameters (?ob ?underob)
    :precondition (and (clear ?underob) (holding ?ob))
    :effect (and (arm-empty) (clear ?ob) (on ?ob ?underob) (not (clear ?underob)) (not (holding ?ob))))
  (:action unstack :parameters (?ob ?underob)
    :precondition (and (on ?ob ?underob) (clear ?ob) (arm-empty))
    :effect (and (holding ?ob) (clear ?underob) (not (on ?ob ?underob)) (not (clear ?ob)) (not (arm-empty)))))
`;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

function problemText(domain: string, name: string, objects: [string[], string][], init: string[], goal: string[], typed = true): string {
  const decl = objects.map(([os, t]) => (typed ? `${os.join(' ')} - ${t}` : os.join(' '))).join('\n    ');
  return `(define (problem ${name}) (:domain ${domain})
  (:objects ${decl})
  (:init ${init.join('\n    ')})
  (:goal (and ${goal.join(' ')})))
`;
}

/** Logistics with about `size` objects: cities of two places each (one an airport), a truck per city, planes, packages. */
function logistics(size: number, seed: number): PddlInstance {
  const r = rng(seed);
  const nCities = Math.max(2, Math.round(size / 7));
  const nPlanes = Math.max(1, Math.round(nCities / 2));
  const nPackages = Math.max(1, size - nCities * 4 - nPlanes);
  const cities = names('city', nCities);
  const airports = cities.map((_, i) => `apt${i + 1}`);
  const places = cities.map((_, i) => `loc${i + 1}`);
  const trucks = names('truck', nCities);
  const planes = names('plane', nPlanes);
  const packages = names('pkg', nPackages);
  const spots = [...airports, ...places];
  const init = [
    ...cities.flatMap((c, i) => [`(in-city ${airports[i]} ${c})`, `(in-city ${places[i]} ${c})`]),
    ...trucks.map((t, i) => `(at ${t} ${pick(r, [airports[i]!, places[i]!])})`),
    ...planes.map((p) => `(at ${p} ${pick(r, airports)})`),
    ...packages.map((p) => `(at ${p} ${pick(r, spots)})`),
  ];
  const goal = packages.map((p) => `(at ${p} ${pick(r, spots)})`);
  const objects: [string[], string][] = [
    [cities, 'city'],
    [airports, 'airport'],
    [places, 'location'],
    [trucks, 'truck'],
    [planes, 'airplane'],
    [packages, 'package'],
  ];
  const problem = problemText('logistics', `logistics-${size}-${seed}`, objects, init, goal);
  return { domain: LOGISTICS_DOMAIN, problem, objects: objects.reduce((n, [os]) => n + os.length, 0) };
}

/** Depots with about `size` objects: depots and distributors with a pallet and a hoist each, trucks, crates. */
function depots(size: number, seed: number): PddlInstance {
  const r = rng(seed);
  const nPlaces = Math.max(2, Math.round(size / 6));
  const nTrucks = Math.max(1, Math.round(nPlaces / 2));
  const nCrates = Math.max(1, size - nPlaces * 3 - nTrucks);
  const depotsN = names('depot', Math.ceil(nPlaces / 2));
  const distributors = names('distributor', nPlaces - depotsN.length);
  const places = [...depotsN, ...distributors];
  const pallets = places.map((_, i) => `pallet${i + 1}`);
  const hoists = places.map((_, i) => `hoist${i + 1}`);
  const trucks = names('truck', nTrucks);
  const crates = names('crate', nCrates);
  /** Stacks of crates on each pallet, bottom first. */
  const stacks = (): string[][] => {
    const s: string[][] = pallets.map(() => []);
    for (const c of [...crates].sort(() => r() - 0.5)) s[Math.floor(r() * s.length)]!.push(c);
    return s;
  };
  const layout = (s: string[][], withAt: boolean) =>
    s.flatMap((stack, i) => {
      const facts = stack.map((c, k) => `(on ${c} ${k === 0 ? pallets[i] : stack[k - 1]})`);
      if (withAt) facts.push(...stack.map((c) => `(at ${c} ${places[i]})`));
      return [...facts, `(clear ${stack.length ? stack[stack.length - 1] : pallets[i]})`];
    });
  const init = [
    ...places.flatMap((p, i) => [`(at ${pallets[i]} ${p})`, `(at ${hoists[i]} ${p})`, `(available ${hoists[i]})`]),
    ...trucks.map((t) => `(at ${t} ${pick(r, places)})`),
    ...layout(stacks(), true),
  ];
  // The goal places about half the crates (the on-facts of a fresh layout), as the usual instances do.
  const goal = layout(stacks(), false).filter((f) => f.startsWith('(on') && r() < 0.6);
  if (goal.length === 0) goal.push(layout(stacks(), false).find((f) => f.startsWith('(on'))!);
  const objects: [string[], string][] = [
    [depotsN, 'depot'],
    [distributors, 'distributor'],
    [trucks, 'truck'],
    [pallets, 'pallet'],
    [hoists, 'hoist'],
    [crates, 'crate'],
  ];
  const problem = problemText('depots', `depots-${size}-${seed}`, objects, init, goal);
  return { domain: DEPOTS_DOMAIN, problem, objects: objects.reduce((n, [os]) => n + os.length, 0) };
}

/** Blocksworld with `size` blocks: random towers at the start and in the goal. */
function blocksworld(size: number, seed: number): PddlInstance {
  const r = rng(seed);
  const blocks = names('b', size);
  const towers = (): string[][] => {
    const t: string[][] = [];
    for (const b of [...blocks].sort(() => r() - 0.5)) {
      if (t.length === 0 || r() < 0.3) t.push([b]);
      else t[Math.floor(r() * t.length)]!.push(b);
    }
    return t;
  };
  const facts = (t: string[][]) => t.flatMap((tower) => tower.map((b, k) => (k === 0 ? `(on-table ${b})` : `(on ${b} ${tower[k - 1]})`)));
  const start = towers();
  const init = ['(arm-empty)', ...facts(start), ...start.map((tower) => `(clear ${tower[tower.length - 1]})`)];
  const goal = facts(towers()).filter((f) => f.startsWith('(on '));
  if (goal.length === 0) goal.push(`(on ${blocks[0]} ${blocks[1] ?? blocks[0]})`);
  const problem = problemText('blocksworld', `blocksworld-${size}-${seed}`, [[blocks, 'object']], init, goal, false);
  return { domain: BLOCKS_DOMAIN, problem, objects: size };
}

export const GENERATORS: Record<GeneratorName, (size: number, seed: number) => PddlInstance> = { logistics, depots, blocksworld };

const KEEP = new Set(['define', 'domain', 'problem', 'and', 'not', 'object', '-', 'either']);

/**
 * The same instance with meaningless names: every predicate, action, type, domain, problem and object is renamed
 * consistently (variables too; keywords stay), and `:typing` is dropped from the requirements while `:types` stays.
 */
export function obfuscate(instance: PddlInstance, seed: number): PddlInstance {
  const r = rng(seed);
  const map = new Map<string, string>();
  const alias = (word: string) => {
    let name = map.get(word);
    while (name === undefined) {
      const candidate = `x${Math.floor(r() * 36 ** 5).toString(36)}`;
      if (![...map.values()].includes(candidate)) map.set(word, (name = candidate));
    }
    return name;
  };
  const rename = (text: string) =>
    text
      .replace(/\s*:typing/g, '')
      .replace(/[:?]?[A-Za-z][A-Za-z0-9_-]*/g, (w) => (w.startsWith(':') || KEEP.has(w) ? w : w.startsWith('?') ? `?${alias(w.slice(1))}` : alias(w)));
  return { domain: rename(instance.domain), problem: rename(instance.problem), objects: instance.objects };
}
