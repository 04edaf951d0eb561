// The smallest procedure set that loads: one goal, one action (tests of loading and caching start from it).
export const TINY_PROCEDURE = `id: tiny
name: Tiny
initial: [start]
goals:
  - id: finish
    description: Finish the tiny job
    keywords: [tiny]
    facts: [done]
actions:
  - id: work
    description: Do the work
    requires: [start]
    provides: [done]
rules: []
`;
