import ArgumentParser
import Tympan
import TympanEvaluation
import TympanIO

#if canImport(Glibc)
import Glibc
#endif

/// A file the user named, read whole (`limit` bytes at most) by `UserFile`:
/// an error names the kind of file (`kind`: "rules", "labels", "trace", ...),
/// the path and what went wrong.
func readFile(_ path: String, kind: String, limit: Int) throws -> [UInt8] {
    do { return try UserFile.bytes(path, kind: kind, limit: limit) } catch { throw ValidationError(error.description) }
}

/// A text file the user named (16 MB at most), as `UserFile.text` reads it.
func readTextFile(_ path: String, kind: String) throws -> String {
    do { return try UserFile.text(path, kind: kind) } catch { throw ValidationError(error.description) }
}

/// The rules of a file, or the bundled ones, checked against `configuration`'s
/// features, with the text they were read from: how every command loads rules
/// (through `RulesOptions`, or `rules --check`), as the sensor daemon does
/// (`UserFile.rules`). An error names the file and the line.
func readRules(_ path: String?, configuration: FeatureConfiguration = .detection) throws -> (text: String, rules: Rules) {
    do { return try UserFile.rules(path, configuration: configuration) } catch { throw ValidationError("\(error)") }
}

/// A DCASE labels file; an error names the file and the line.
func readLabels(_ path: String) throws -> [LabelledEvent] {
    let text: String
    text = try readTextFile(path, kind: "labels")
    do { return try Labels.read(text, source: path) } catch { throw ValidationError(error.description) }
}

/// The audio files of a folder (by extension), sorted.
func audioFiles(in folder: String) throws -> [String] {
    guard let dir = opendir(folder) else { throw ValidationError("cannot open '\(folder)': \(String(cString: strerror(errno)))") }
    defer { closedir(dir) }
    var names = [String]()
    let extensions = [".wav", ".flac", ".ogg", ".aiff", ".aif", ".au", ".caf", ".mp3", ".opus"]
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if extensions.contains(where: { name.lowercased().hasSuffix($0) }) { names.append(name) }
    }
    return names.sorted()
}

/// The last component of a path.
func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
