// @vitest-environment node
/**
 * Every declaration the package exports has TSDoc (STYLE.md: "Public API has TSDoc with
 * defaults"). Read with the TypeScript compiler from the public entries, so a re-export
 * under another name counts too. src/core and src/hashing are not checked yet: they are
 * being rewritten; add them here when they land.
 */
import { describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

const root = process.cwd()
const NOT_YET = ['src/core/', 'src/hashing/']

function documented(declaration: ts.Declaration): boolean {
  if (ts.getJSDocCommentsAndTags(declaration).length > 0) return true
  // `export const x = …`: the comment sits on the statement, not the declaration.
  const list = declaration.parent
  return (
    !!list &&
    ts.isVariableDeclarationList(list) &&
    ts.getJSDocCommentsAndTags(list.parent).length > 0
  )
}

describe('TSDoc', () => {
  it('documents every exported declaration of the public entries', () => {
    const entries = [
      join(root, 'src/index.ts'),
      ...readdirSync(join(root, 'src/entries')).map((file) => join(root, 'src/entries', file)),
    ]
    const program = ts.createProgram(entries, {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    })
    const checker = program.getTypeChecker()
    const missing = new Set<string>()
    let checked = 0
    for (const entry of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)
      for (const exported of module ? checker.getExportsOfModule(module) : []) {
        const symbol =
          exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
        for (const declaration of symbol.declarations ?? []) {
          const file = relative(root, declaration.getSourceFile().fileName)
          if (!file.startsWith('src/') || NOT_YET.some((folder) => file.startsWith(folder)))
            continue
          checked++
          if (!documented(declaration)) missing.add(`${file}: ${exported.name}`)
        }
      }
    }
    expect(checked).toBeGreaterThan(50)
    expect([...missing].sort()).toEqual([])
  }, 120_000)
})
