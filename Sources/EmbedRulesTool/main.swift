// Writes a Swift file that holds a data file as a raw string literal:
//   EmbedRulesTool INPUT.json OUTPUT.swift    the bundled rules (Rules.bundledJSON)
//   EmbedRulesTool INPUT.yaml OUTPUT.swift    the platform's OpenAPI document (OpenAPIDocument.yaml)
// Run at build time by the EmbedRules plugin, so that the committed source of
// truth of the bundled rules is the JSON file, never generated Swift.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: EmbedRulesTool INPUT.json|INPUT.yaml OUTPUT.swift\n".utf8))
    exit(2)
}
do {
    var text = try String(contentsOfFile: arguments[1], encoding: .utf8)
    if text.hasSuffix("\n") { text.removeLast() }
    // The YAML holds "#/components/…" references: its raw string takes ## delimiters.
    let delimiter = arguments[1].hasSuffix(".yaml") ? "##" : "#"
    guard !text.contains("\"" + delimiter) else {
        FileHandle.standardError.write(Data("\(arguments[1]): holds \"\(delimiter), which would end the raw string\n".utf8))
        exit(1)
    }
    let name = (arguments[1] as NSString).lastPathComponent
    let swift = arguments[1].hasSuffix(".yaml") ? """
        // Generated at build time from \(name) by EmbedRulesTool. Do not edit.
        /// The HTTP API's OpenAPI document (Sources/TympanPlatform/openapi.yaml), served at /openapi.yaml.
        enum OpenAPIDocument {
            static let yaml = ##\"\"\"
        \(text)
        \"\"\"## + "\\n"
        }

        """ : """
        // Generated at build time from \(name) by EmbedRulesTool. Do not edit.
        extension Rules {
            /// The bundled rules (Sources/Tympan/Detection/bundled-rules.json, documented in
            /// docs/rules.md). `tympan rules` prints them; edit a copy and pass it with `--rules`.
            public static let bundledJSON = #\"\"\"
        \(text)
        \"\"\"#
        }

        """
    try swift.write(toFile: arguments[2], atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("EmbedRulesTool: \(error)\n".utf8))
    exit(1)
}
