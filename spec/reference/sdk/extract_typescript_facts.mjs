#!/usr/bin/env node
// Reads the official Avara TypeScript SDK's sources (a git checkout of
// avara-software/avara-typescript at one commit) with the TypeScript compiler
// API and prints, as JSON, the facts that extract_python_facts.py takes from
// TypeScript: every operation's HTTP method, path and response type, and every
// interface and type alias reachable from a response or from the webhooks
// module, with each property's optionality (`name?:`) and nullability
// (`| null`).
//
// The TypeScript SDK is not published on the npm registry, so CI cannot fetch
// it: this script is run by hand against a local copy of the repository, and
// its output is committed as typescript-facts.json (see README.md).
//
// Usage: node extract_typescript_facts.mjs --git-dir DIR --rev REV [--out FILE]
//
// Any construct this script does not know makes it fail naming where.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('typescript');

class ExtractionError extends Error {}

function fail(where, message) {
  throw new ExtractionError(`${where}: ${message}`);
}

function parseArgs(argv) {
  const args = { out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--git-dir') args.gitDir = argv[++i];
    else if (a === '--rev') args.rev = argv[++i];
    else if (a === '--out') args.out = argv[++i];
    else fail('arguments', `unknown argument ${a}`);
  }
  if (!args.gitDir || !args.rev) fail('arguments', 'need --git-dir DIR --rev REV');
  return args;
}

function git(gitDir, ...args) {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' }).trim();
}

const args = parseArgs(process.argv.slice(2));
const commit = git(args.gitDir, 'rev-parse', `${args.rev}^{commit}`);
const srcTree = git(args.gitDir, 'rev-parse', `${commit}:src`);
const tags = git(args.gitDir, 'tag', '--points-at', commit).split('\n').filter(Boolean).sort();
const work = mkdtempSync(join(tmpdir(), 'avara-ts-'));
try {
  execFileSync('sh', ['-c', `git --git-dir="$0" archive "$1" | tar -x -C "$2"`, args.gitDir, commit, work]);
  const facts = extract(work);
  const pkg = JSON.parse(readFileSync(join(work, 'package.json'), 'utf8'));
  const stats = readFileSync(join(work, '.stats.yml'), 'utf8');
  facts.source = {
    repository: 'avara-software/avara-typescript',
    package: pkg.name,
    version: pkg.version,
    commit,
    tags,
    src_tree: srcTree,
    stats_yml: stats,
    typescript_compiler: ts.version,
  };
  const text = JSON.stringify(sortKeys(facts), null, 2) + '\n';
  if (args.out) writeFileSync(args.out, text);
  else process.stdout.write(text);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

function extract(root) {
  const srcDir = join(root, 'src');
  const program = ts.createProgram([join(srcDir, 'index.ts')], {
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();

  const fileOf = (node) => relative(srcDir, node.getSourceFile().fileName).split(sep).join('/').replace(/\.ts$/, '');
  const where = (node) => {
    const sf = node.getSourceFile();
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
    return `src/${fileOf(node)}.ts:${line + 1}`;
  };

  const docOf = (node) => {
    const sym = node.name ? checker.getSymbolAtLocation(node.name) : undefined;
    if (!sym) return null;
    const text = ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
    return text === '' ? null : text;
  };

  // Follows import aliases to the declaring node.
  const resolveSymbol = (sym) => {
    while (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    return sym;
  };

  const qualifiedName = (decl) => {
    const parts = [decl.name.text];
    let p = decl.parent;
    while (p && !ts.isSourceFile(p)) {
      if (ts.isModuleDeclaration(p)) parts.unshift(p.name.text);
      else if (!ts.isModuleBlock(p)) fail(where(decl), `unexpected container ${ts.SyntaxKind[p.kind]}`);
      p = p.parent;
    }
    return parts.join('.');
  };
  const declKey = (decl) => `${fileOf(decl)}#${qualifiedName(decl)}`;

  const declarations = {};
  const pending = [];

  const refTo = (decl) => {
    const key = declKey(decl);
    if (!(key in declarations)) {
      declarations[key] = null; // reserved; filled by describeDeclaration
      pending.push(decl);
    }
    return { kind: 'ref', ref: key };
  };

  const describeType = (node, at) => {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { kind: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: 'boolean' };
      case ts.SyntaxKind.UnknownKeyword:
        return { kind: 'unknown' };
      case ts.SyntaxKind.ParenthesizedType:
        return describeType(node.type, at);
      case ts.SyntaxKind.ArrayType:
        return { kind: 'array', items: describeType(node.elementType, at) };
      case ts.SyntaxKind.UnionType:
        return { kind: 'union', variants: node.types.map((t) => describeType(t, at)) };
      case ts.SyntaxKind.LiteralType: {
        const lit = node.literal;
        if (lit.kind === ts.SyntaxKind.NullKeyword) return { kind: 'null' };
        if (ts.isStringLiteral(lit)) return { kind: 'literal', value: lit.text };
        if (ts.isNumericLiteral(lit)) return { kind: 'literal', value: Number(lit.text) };
        if (lit.kind === ts.SyntaxKind.TrueKeyword) return { kind: 'literal', value: true };
        if (lit.kind === ts.SyntaxKind.FalseKeyword) return { kind: 'literal', value: false };
        return fail(where(node), `unknown literal type ${node.getText()}`);
      }
      case ts.SyntaxKind.TypeLiteral: {
        const members = node.members;
        if (members.length === 1 && ts.isIndexSignatureDeclaration(members[0])) {
          const param = members[0].parameters[0];
          if (param.type.kind !== ts.SyntaxKind.StringKeyword) fail(where(node), 'index signature key is not string');
          return { kind: 'map', values: describeType(members[0].type, at) };
        }
        return fail(where(node), `inline object type ${node.getText()} is not known`);
      }
      case ts.SyntaxKind.TypeReference: {
        const name = node.typeName.getText();
        const targs = node.typeArguments || [];
        if (name === 'Array' && targs.length === 1) return { kind: 'array', items: describeType(targs[0], at) };
        if (name === 'Record' && targs.length === 2) {
          if (targs[0].kind !== ts.SyntaxKind.StringKeyword) fail(where(node), 'Record key is not string');
          return { kind: 'map', values: describeType(targs[1], at) };
        }
        if (targs.length !== 0) fail(where(node), `generic type reference ${node.getText()} is not known`);
        const sym = resolveSymbol(checker.getSymbolAtLocation(node.typeName));
        if (!sym || !sym.declarations || sym.declarations.length === 0) {
          fail(where(node), `cannot resolve type ${name}`);
        }
        const decls = sym.declarations.filter((d) => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d));
        if (decls.length !== 1) fail(where(node), `type ${name} has ${decls.length} interface/alias declarations`);
        if (!fileOf(decls[0]).startsWith('resources/')) fail(where(node), `type ${name} is declared outside src/resources`);
        return refTo(decls[0]);
      }
      default:
        return fail(where(node), `unknown type construct ${ts.SyntaxKind[node.kind]}: ${node.getText()}`);
    }
  };

  const describeDeclaration = (decl) => {
    const key = declKey(decl);
    if (ts.isInterfaceDeclaration(decl)) {
      if (decl.heritageClauses && decl.heritageClauses.length) fail(where(decl), 'interface with extends is not known');
      if (decl.typeParameters && decl.typeParameters.length) fail(where(decl), 'generic interface is not known');
      const properties = decl.members.map((m) => {
        if (!ts.isPropertySignature(m)) fail(where(m), `unknown interface member ${ts.SyntaxKind[m.kind]}`);
        if (!m.type) fail(where(m), 'property without a type');
        const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : fail(where(m), 'computed name');
        const type = describeType(m.type, where(m));
        const variants = type.kind === 'union' ? type.variants : [type];
        const nonNull = variants.filter((v) => v.kind !== 'null');
        return {
          name,
          optional: !!m.questionToken,
          nullable: nonNull.length !== variants.length,
          readonly: !!(m.modifiers && m.modifiers.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword)),
          type: nonNull.length === 1 ? nonNull[0] : { kind: 'union', variants: nonNull },
          description: docOf(m),
        };
      });
      declarations[key] = { kind: 'interface', name: qualifiedName(decl), description: docOf(decl), properties };
    } else if (ts.isTypeAliasDeclaration(decl)) {
      if (decl.typeParameters && decl.typeParameters.length) fail(where(decl), 'generic type alias is not known');
      declarations[key] = {
        kind: 'alias',
        name: qualifiedName(decl),
        description: docOf(decl),
        type: describeType(decl.type, where(decl)),
      };
    } else {
      fail(where(decl), `unknown declaration ${ts.SyntaxKind[decl.kind]}`);
    }
  };

  const classOfType = (typeNode, at) => {
    const sym = resolveSymbol(checker.getSymbolAtLocation(ts.isTypeReferenceNode(typeNode) ? typeNode.typeName : typeNode));
    const decl = sym && sym.declarations && sym.declarations.find(ts.isClassDeclaration);
    if (!decl) fail(at, `${typeNode.getText()} is not a class`);
    return decl;
  };

  // --- operations: the client's resource properties, recursively
  const clientFile = program.getSourceFile(join(srcDir, 'client.ts'));
  let clientClass = null;
  clientFile.forEachChild((n) => {
    if (ts.isClassDeclaration(n) && n.name && n.name.text === 'Avara') clientClass = n;
  });
  if (!clientClass) fail('src/client.ts', 'class Avara not found');

  const operations = [];
  const resources = [];
  const isResourceProperty = (m) =>
    ts.isPropertyDeclaration(m) &&
    m.type &&
    m.initializer &&
    ts.isNewExpression(m.initializer) &&
    m.initializer.arguments &&
    m.initializer.arguments.length === 1 &&
    /^this(\._client)?$/.test(m.initializer.arguments[0].getText());

  const walkResource = (cls, path) => {
    resources.push({ resource: path.join('.'), class: cls.name.text, file: fileOf(cls) });
    for (const m of cls.members) {
      if (isResourceProperty(m)) {
        walkResource(classOfType(m.type, where(m)), [...path, m.name.text]);
      } else if (ts.isMethodDeclaration(m)) {
        operations.push(describeOperation(m, path));
      } else {
        fail(where(m), `unknown resource member ${ts.SyntaxKind[m.kind]}`);
      }
    }
  };

  const VERBS = new Set(['get', 'post', 'patch', 'put', 'delete', 'getAPIList']);
  const describeOperation = (m, path) => {
    const name = m.name.text;
    const at = where(m);
    const resource = path.join('.');
    const params = m.parameters.map((p) => ({
      name: ts.isIdentifier(p.name) ? p.name.text : p.name.getText(),
      type: p.type ? p.type.getText() : null,
      optional: !!(p.questionToken || p.initializer),
    }));
    if (resource === 'webhooks') {
      return { resource, method: name, http: null, params, return_type: m.type ? m.type.getText() : null };
    }
    const stmts = m.body ? m.body.statements : [];
    if (stmts.length !== 1 || !ts.isReturnStatement(stmts[0])) fail(at, 'method body is not a single return');
    const call = stmts[0].expression;
    if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) fail(at, 'not a client call');
    if (call.expression.expression.getText() !== 'this._client') fail(at, 'not a this._client call');
    const verb = call.expression.name.text;
    if (!VERBS.has(verb)) fail(at, `unknown client verb ${verb}`);
    const pathArg = call.arguments[0];
    let template;
    const pathParams = [];
    if (ts.isStringLiteral(pathArg) || ts.isNoSubstitutionTemplateLiteral(pathArg)) {
      template = pathArg.text;
    } else if (ts.isTaggedTemplateExpression(pathArg) && pathArg.tag.getText() === 'path') {
      const tpl = pathArg.template;
      if (ts.isNoSubstitutionTemplateLiteral(tpl)) template = tpl.text;
      else {
        template = tpl.head.text;
        for (const span of tpl.templateSpans) {
          if (!ts.isIdentifier(span.expression)) fail(at, 'path substitution is not an identifier');
          pathParams.push(span.expression.text);
          template += `{${span.expression.text}}` + span.literal.text;
        }
      }
    } else {
      fail(at, `unknown path argument ${pathArg.getText()}`);
    }
    if (!m.type || !ts.isTypeReferenceNode(m.type)) fail(at, 'no declared return type');
    const wrapper = m.type.typeName.getText();
    const targs = m.type.typeArguments || [];
    let response;
    let page = null;
    if (wrapper === 'APIPromise' && targs.length === 1) {
      response = describeType(targs[0], at);
    } else if (wrapper === 'PagePromise' && targs.length === 2) {
      response = describeType(targs[1], at);
      const pageArg = call.arguments[1];
      if (!pageArg || !ts.isExpressionWithTypeArguments(pageArg)) fail(at, 'getAPIList without a page class');
      page = { class: pageArg.expression.getText(), item: describeType(pageArg.typeArguments[0], at) };
    } else {
      fail(at, `unknown return type ${m.type.getText()}`);
    }
    let bodyArg = null;
    if (call.arguments.length > 1) {
      const opts = call.arguments[call.arguments.length - 1];
      if (ts.isObjectLiteralExpression(opts)) {
        for (const p of opts.properties) {
          if (ts.isShorthandPropertyAssignment(p)) bodyArg = bodyArg || (['body', 'query'].includes(p.name.text) ? p.name.text : null);
        }
      }
    }
    return {
      resource,
      method: name,
      http: { method: verb === 'getAPIList' ? 'get' : verb, path: template, path_params: pathParams, sends: bodyArg },
      params,
      response,
      page,
      description: docOf(m),
    };
  };

  for (const m of clientClass.members) {
    if (isResourceProperty(m)) walkResource(classOfType(m.type, where(m)), [m.name.text]);
  }

  // --- webhooks: every exported interface and alias of the webhooks module
  const webhooksFile = program.getSourceFile(join(srcDir, 'resources', 'webhooks.ts'));
  const webhookExports = [];
  webhooksFile.forEachChild((n) => {
    if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.modifiers?.some((x) => x.kind === ts.SyntaxKind.ExportKeyword)) {
      webhookExports.push(refTo(n).ref);
    }
  });

  while (pending.length) describeDeclaration(pending.shift());

  operations.sort((a, b) => (a.resource + ' ' + a.method < b.resource + ' ' + b.method ? -1 : 1));
  resources.sort((a, b) => (a.resource < b.resource ? -1 : 1));
  return {
    format:
      'Facts read from the official TypeScript SDK sources with the TypeScript compiler API by extract_typescript_facts.mjs. ' +
      'operations: one per resource method (resource path in TypeScript names, http = method, path template with the TypeScript parameter names, ' +
      'the option key (body or query) the SDK sends its params under); response/page.item = the declared response type. ' +
      'declarations: every interface and type alias reachable from a response or exported by resources/webhooks, keyed "<file under src, no .ts>#<Namespace.Name>"; ' +
      'an interface property is optional when declared `name?:`, nullable when its type is a union with null (the null variant is then removed from type). ' +
      'Types: string, number, boolean, unknown, null, literal(value), array(items), map(values), union(variants), ref(ref = a declarations key). ' +
      'The TypeScript SDK is not on the npm registry, so CI cannot re-extract this file; it is committed data (see README.md).',
    operations,
    resources,
    webhook_exports: webhookExports.sort(),
    declarations,
  };
}
