import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/**
 * The data-access rule (docs/decisions/0030-data-access.md), checked on the libraries' source:
 * SQL text lives only in a repository (`*.repository.ts`) or a `*.sql.ts` beside it, and only a
 * repository holds the DataSource or queries through an EntityManager.
 */

const ROOT = join(__dirname, '..', '..', '..');

/** Infrastructure that repositories are built on, or that runs before any exists: not a feature. */
const INFRASTRUCTURE: Record<string, string> = {
  'libs/persistence/src/data-source.ts': "the TypeORM CLI's DataSource",
  'libs/persistence/src/persistence.module.ts': 'gives Nest the DataSource repositories inject',
  'libs/persistence/src/migrate.ts': 'runs the migrations under their advisory lock',
  'libs/runtime/src/local-services.ts': "creates npm start's database before any DataSource exists",
};

/** Not scanned: tests, the migrations (schema changes are SQL by nature) and the test stack. */
function scanned(path: string): boolean {
  return (
    path.endsWith('.ts') &&
    !path.endsWith('.spec.ts') &&
    !path.endsWith('.d.ts') &&
    !path.startsWith('libs/persistence/src/migrations/') &&
    !path.startsWith('libs/testing/')
  );
}

/** May hold SQL text and the DataSource. */
function holdsStatements(path: string): boolean {
  return path.endsWith('.repository.ts') || path.endsWith('.sql.ts') || path in INFRASTRUCTURE;
}

/**
 * A statement, as this codebase writes SQL (keywords in capitals): a sentence such as "Select
 * the drug from the list" is not one.
 */
const SQL_STATEMENT =
  /\b(SELECT\s[\s\S]*?\bFROM\b|SELECT\s+[\w.]+\s*\(|INSERT\s+INTO\b|UPDATE\s+\w+(\s+(AS\s+)?\w+)?\s+SET\b|DELETE\s+FROM\b|WITH\s+(RECURSIVE\s+)?\w+\s+AS\s*\(|TRUNCATE\s+)/;

/** The runners of SQL text: only a repository calls them. */
const RUNNERS = new Set(['preparedQuery', 'countedQuery']);

interface Finding {
  line: number;
  what: string;
}

/** A literal's text, a template's substitutions shown as `${…}`. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((s) => '${…}' + s.literal.text).join('');
  }
  return undefined;
}

function typeNamed(type: ts.TypeNode | undefined, name: string): boolean {
  return !!type && ts.isTypeReferenceNode(type) && type.typeName.getText() === name;
}

/** `x` of `x.method(…)` or `this.x.method(…)`, when the call is a method call. */
function receiverName(call: ts.CallExpression): string | undefined {
  if (!ts.isPropertyAccessExpression(call.expression)) return undefined;
  const target = call.expression.expression;
  if (ts.isIdentifier(target)) return target.text;
  if (
    ts.isPropertyAccessExpression(target) &&
    target.expression.kind === ts.SyntaxKind.ThisKeyword
  ) {
    return `this.${target.name.text}`;
  }
  return undefined;
}

/** What in one file breaks the rule, were the file not a repository. */
function findViolations(fileName: string, text: string): Finding[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const lineOf = (node: ts.Node) =>
    source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const findings: Finding[] = [];
  // Names that hold an EntityManager: typed so, or the parameter of a transaction's callback.
  const managers = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (
      (ts.isParameter(node) || ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node)) &&
      typeNamed(node.type, 'EntityManager') &&
      ts.isIdentifier(node.name)
    ) {
      const name = node.name.text;
      if (!ts.isPropertyDeclaration(node)) managers.add(name);
      if (ts.isPropertyDeclaration(node) || ts.isParameterPropertyDeclaration(node, node.parent)) {
        managers.add(`this.${name}`);
      }
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'transaction'
    ) {
      for (const arg of node.arguments) {
        if ((ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) && arg.parameters[0]) {
          const name = arg.parameters[0].name;
          if (ts.isIdentifier(name)) managers.add(name.text);
        }
      }
    }
    ts.forEachChild(node, collect);
  };
  collect(source);

  const visit = (node: ts.Node): void => {
    if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text === 'typeorm'
    ) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          if ((element.propertyName ?? element.name).text === 'DataSource') {
            findings.push({
              line: lineOf(node),
              what: 'imports DataSource (only a repository holds it)',
            });
          }
        }
      }
      return;
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && RUNNERS.has(callee.text)) {
        findings.push({ line: lineOf(node), what: `calls ${callee.text} (a repository's runner)` });
      }
      const receiver = receiverName(node);
      if (receiver && managers.has(receiver) && ts.isPropertyAccessExpression(callee)) {
        findings.push({
          line: lineOf(node),
          what: `queries through an EntityManager (${receiver}.${callee.name.text})`,
        });
      }
    }
    const literal = literalText(node);
    if (literal !== undefined) {
      const match = SQL_STATEMENT.exec(literal);
      if (match) {
        const excerpt = literal.replace(/\s+/g, ' ').trim().slice(0, 60);
        findings.push({ line: lineOf(node), what: `SQL statement: ${excerpt}` });
      }
      // A template's substitutions are visited for the literals inside them.
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : [path];
  });
}

/** Every file of libs/<lib>/src that is scanned, relative to the repository root, `/`-separated. */
function libraryFiles(): string[] {
  const libs = join(ROOT, 'libs');
  return readdirSync(libs, { withFileTypes: true })
    .filter((lib) => lib.isDirectory() && existsSync(join(libs, lib.name, 'src')))
    .flatMap((lib) => sourceFiles(join(libs, lib.name, 'src')))
    .map((path) => relative(ROOT, path).split(sep).join('/'))
    .filter(scanned)
    .sort();
}

describe('the data-access rule (decision 0030)', () => {
  it('keeps SQL, the DataSource and EntityManager queries in repositories and *.sql.ts files', () => {
    const broken = libraryFiles()
      .filter((path) => !holdsStatements(path))
      .flatMap((path) =>
        findViolations(path, readFileSync(join(ROOT, path), 'utf8')).map(
          (f) => `  ${path}:${f.line}  ${f.what}`,
        ),
      );
    if (broken.length > 0) {
      throw new Error(
        `${broken.length} place(s) break the data-access rule (docs/decisions/0030-data-access.md).\n` +
          `Move each statement into the feature's repository (libs/<feature>/src/<feature>.repository.ts,\n` +
          `or another *.repository.ts of the feature) or a *.sql.ts beside it, and have the service\n` +
          `call the repository:\n${broken.join('\n')}`,
      );
    }
  });

  it('allows only infrastructure that needs it', () => {
    const needless = Object.keys(INFRASTRUCTURE).filter(
      (path) =>
        !existsSync(join(ROOT, path)) ||
        findViolations(path, readFileSync(join(ROOT, path), 'utf8')).length === 0,
    );
    expect(needless).toEqual([]);
  });

  describe('its scanner', () => {
    const lines = (text: string) => findViolations('x.ts', text).map((f) => f.line);
    const whats = (text: string) => findViolations('x.ts', text).map((f) => f.what);

    it('finds statements in strings and templates, on the line where they start', () => {
      const text = [
        "const a = 'SELECT id FROM patients WHERE id = $1';",
        'const b = `',
        '  UPDATE doses d SET status = $1',
        '  WHERE d.id = ${id}`;',
        'const c = "INSERT INTO actors (id) VALUES ($1)";',
        "const d = 'DELETE FROM alerts';",
        'const e = `WITH moved AS (SELECT 1) SELECT 2`;',
        "const f = 'SELECT pg_advisory_xact_lock($1)';",
      ].join('\n');
      expect(lines(text)).toEqual([1, 2, 5, 6, 7, 8]);
    });

    it('passes prose, comments and query-builder fragments', () => {
      const text = [
        '// SELECT id FROM patients: a comment is not a statement',
        "const a = 'Select the drug from the catalogue, then update the plan';",
        "const b = 'd.tenant_id = :tenant AND d.patient_id = :patient';",
        "const c = 'an UPDATE of the patient';",
      ].join('\n');
      expect(findViolations('x.ts', text)).toEqual([]);
    });

    it('finds the DataSource, the runners and queries through an EntityManager', () => {
      const text = [
        "import { DataSource, EntityManager } from 'typeorm';",
        'class S {',
        '  constructor(private readonly manager: EntityManager) {}',
        '  a(em: EntityManager) { return em.insert(X, {}); }',
        '  b() { return this.repository.transaction(async (tx) => tx.update(X, {}, {})); }',
        '  c() { return countedQuery(m, TEXT, []); }',
        '  d() { return this.manager.find(X); }',
        '}',
      ].join('\n');
      expect(whats(text)).toEqual([
        'imports DataSource (only a repository holds it)',
        'queries through an EntityManager (em.insert)',
        'queries through an EntityManager (tx.update)',
        "calls countedQuery (a repository's runner)",
        'queries through an EntityManager (this.manager.find)',
      ]);
    });

    it('lets a service pass a transaction on to its repositories', () => {
      const text = [
        "import { EntityManager } from 'typeorm';",
        'class S {',
        '  move(manager: EntityManager) { return this.repository.moveAlerts(manager, ids); }',
        '  update() {',
        '    return this.repository.transaction(async (manager) => {',
        '      await this.repository.update(manager, id, changes);',
        '      return this.alerts.movePatient(manager, id);',
        '    });',
        '  }',
        '}',
      ].join('\n');
      expect(findViolations('x.ts', text)).toEqual([]);
    });
  });
});
