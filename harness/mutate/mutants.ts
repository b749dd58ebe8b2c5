/**
 * Mutants of a system's source, made with the TypeScript parser (the one the project builds
 * with): each mutant changes one place of one file in one of the ways real protocol bugs look.
 *
 *   boundary     a < b  ->  a <= b (and <=, >, >= likewise)       an off-by-one in a comparison
 *   negate       a === b -> a !== b, a !== b -> a === b            a check turned around
 *   logic        a && b -> a || b, a || b -> a && b
 *   drop-operand a && b -> a, a && b -> b (in a condition)          a condition dropped
 *   off-by-one   x + 1 -> x, x - 1 -> x
 *   not          !x -> x
 *   skip-call    a statement that persists, syncs, writes or sends, removed
 *                (`persist`, `sync`, `write`, `send`, `push` onto a `persist`/`messages` list)
 *
 * A mutant's id (`file:line:column:operator`) is stable while the file does not change, so a user
 * can list the equivalent ones (those no behaviour can tell from the original) in a file.
 * A mutated file is transpiled alone (no type check) into a copy of the built tree.
 */
import ts from 'typescript';

export type MutantOperator = 'boundary' | 'negate' | 'logic' | 'drop-operand' | 'off-by-one' | 'not' | 'skip-call';

/** One change to one place of one file. */
export interface Mutant {
  id: string;
  /** The file, relative to the system's source folder. */
  file: string;
  /** 1-based line and column of the change. */
  line: number;
  column: number;
  operator: MutantOperator;
  start: number;
  end: number;
  original: string;
  replacement: string;
}

const BOUNDARY: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.LessThanToken]: '<=',
  [ts.SyntaxKind.LessThanEqualsToken]: '<',
  [ts.SyntaxKind.GreaterThanToken]: '>=',
  [ts.SyntaxKind.GreaterThanEqualsToken]: '>',
};
const NEGATE: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: '!==',
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: '===',
};
const LOGIC: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.AmpersandAmpersandToken]: '||',
  [ts.SyntaxKind.BarBarToken]: '&&',
};
/** Calls whose removal is "skip a persist before a send" and its kin. */
const EFFECT_CALL = /^(persist|sync|fsync|write|append|send|save|record)/i;
const EFFECT_LIST = /(persist|messages|msgs|early|replies)$/i;

/** Every mutant of one source file. */
export function mutantsOf(file: string, text: string): Mutant[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: Mutant[] = [];
  const ids = new Map<string, number>();
  const add = (start: number, end: number, operator: MutantOperator, replacement: string): void => {
    const { line, character } = sf.getLineAndCharacterOfPosition(start);
    const base = `${file}:${line + 1}:${character + 1}:${operator}`;
    // Two mutants of one operator at one place (drop-operand's left and right) get #2 on the second.
    const n = (ids.get(base) ?? 0) + 1;
    ids.set(base, n);
    out.push({ id: n === 1 ? base : `${base}#${n}`, file, line: line + 1, column: character + 1, operator, start, end, original: text.slice(start, end), replacement });
  };
  const inCondition = (n: ts.Node): boolean => {
    const p = n.parent;
    return p !== undefined && (ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isConditionalExpression(p)) && (p as ts.IfStatement).expression === n;
  };
  const visit = (n: ts.Node): void => {
    // Types, imports and declarations' signatures hold no behaviour to change.
    if (ts.isTypeNode(n) || ts.isImportDeclaration(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return;
    if (ts.isBinaryExpression(n)) {
      const op = n.operatorToken;
      const k = op.kind;
      const s = op.getStart(sf);
      const e = op.getEnd();
      if (BOUNDARY[k] !== undefined) add(s, e, 'boundary', BOUNDARY[k]);
      if (NEGATE[k] !== undefined) add(s, e, 'negate', NEGATE[k]);
      if (LOGIC[k] !== undefined) add(s, e, 'logic', LOGIC[k]);
      if (k === ts.SyntaxKind.AmpersandAmpersandToken && inCondition(n)) {
        add(n.getStart(sf), n.getEnd(), 'drop-operand', n.left.getText(sf));
        add(n.getStart(sf), n.getEnd(), 'drop-operand', n.right.getText(sf));
      }
      if ((k === ts.SyntaxKind.PlusToken || k === ts.SyntaxKind.MinusToken) && ts.isNumericLiteral(n.right) && n.right.text === '1') {
        add(n.getStart(sf), n.getEnd(), 'off-by-one', n.left.getText(sf));
      }
    }
    if (ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.ExclamationToken) {
      add(n.getStart(sf), n.getEnd(), 'not', n.operand.getText(sf));
    }
    if (ts.isExpressionStatement(n) && ts.isCallExpression(n.expression)) {
      const callee = n.expression.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
      const target = ts.isPropertyAccessExpression(callee) && ts.isPropertyAccessExpression(callee.expression) ? callee.expression.name.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : '';
      if (EFFECT_CALL.test(name) || (name === 'push' && EFFECT_LIST.test(target))) add(n.getStart(sf), n.getEnd(), 'skip-call', ';');
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The file's text with the mutant applied. */
export function applyMutant(text: string, m: Pick<Mutant, 'start' | 'end' | 'replacement'>): string {
  return text.slice(0, m.start) + m.replacement + text.slice(m.end);
}

/** A TypeScript (or JavaScript) module transpiled alone, as `tsc` would emit it for Node 20. */
export function transpile(text: string, file: string): string {
  if (file.endsWith('.js')) return text;
  return ts.transpileModule(text, { fileName: file, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false } }).outputText;
}
