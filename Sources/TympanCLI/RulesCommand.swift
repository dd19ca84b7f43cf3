import ArgumentParser
import Tympan

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Print the bundled rules (JSON), to edit a copy for --rules; or check a rules file.",
        discussion: "With --check FILE: reads FILE and reports the first error with its line, or 'ok'.")

    @Option(help: "Check this rules file instead of printing the bundled rules.")
    var check: String?

    func run() throws {
        guard let check else {
            print(Rules.bundledJSON)
            return
        }
        let text: String
        do { text = try readTextFile(check) } catch { throw ValidationError("cannot read '\(check)': \(error)") }
        do {
            let rules = try Rules(json: text, source: check)
            print("ok: \(rules.classes.count) classes (\(rules.classes.map(\.eventClass.label).joined(separator: ", ")))")
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
