// No function in src/ is longer than 60 lines: every function, method, accessor and arrow body is measured with the
// TypeScript compiler's own parser, and an offender is named as file:line:function.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

const SRC = path.join(ROOT, 'src');
const MAX_LINES = 60;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** The name a reader would search for: the declaration's own name, or the variable, property or argument holding it. */
function nameOf(fn: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (fn.name) return fn.name.getText(file);
  if (ts.isConstructorDeclaration(fn)) return 'constructor';
  const holder = fn.parent;
  if ((ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder) || ts.isPropertyDeclaration(holder)) && holder.name)
    return holder.name.getText(file);
  if (ts.isCallExpression(holder)) return `<argument of ${holder.expression.getText(file).slice(0, 40)}>`;
  return '<anonymous>';
}

/** Every function-like node of a file whose body spans more than `max` lines, as `file:line:name (N lines)`. */
function longFunctions(fileName: string, text: string, max: number): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const body = fn.body!;
      const first = file.getLineAndCharacterOfPosition(body.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(body.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) out.push(`${fileName}:${file.getLineAndCharacterOfPosition(fn.getStart(file)).line + 1}:${nameOf(fn, file)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

describe('function length', () => {
  it('the measure names a long function and passes a short one', () => {
    const long = `function big() {\n${'  a();\n'.repeat(61)}}\nconst small = () => {\n  b();\n};\n`;
    expect(longFunctions('x.ts', long, MAX_LINES)).toEqual(['x.ts:1:big (63 lines)']);
    const method = `class A {\n  run() {\n${'    a();\n'.repeat(70)}  }\n}\n`;
    expect(longFunctions('y.ts', method, MAX_LINES)).toEqual(['y.ts:2:run (72 lines)']);
  });

  it(`no function, method or arrow in src/ is over ${MAX_LINES} lines`, () => {
    const offenders = sources(SRC).flatMap((f) => longFunctions(path.relative(ROOT, f), readFileSync(f, 'utf8'), MAX_LINES));
    expect(offenders).toEqual([]);
  });
});
