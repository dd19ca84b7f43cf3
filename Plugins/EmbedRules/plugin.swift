import PackagePlugin

/// Turns every `*.json` (the bundled rules) and `*.yaml` (the platform's
/// OpenAPI document) of a target into Swift source at build time
/// (EmbedRulesTool): they stay data files in the repository.
@main
struct EmbedRules: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let tool = try context.tool(named: "EmbedRulesTool")
        return (Array(target.sourceFiles(withSuffix: "json")) + Array(target.sourceFiles(withSuffix: "yaml"))).map { file in
            let output = context.pluginWorkDirectoryURL.appending(path: file.url.deletingPathExtension().lastPathComponent + ".swift")
            return .buildCommand(
                displayName: "Embedding \(file.url.lastPathComponent)",
                executable: tool.url,
                arguments: [file.url.path, output.path],
                inputFiles: [file.url],
                outputFiles: [output]
            )
        }
    }
}
