/// A JSON value that remembers the line it started on, so that a rules file's
/// errors can name the line. Only what rules need: RFC 8259 values, UTF-8.
package struct JSONValue: Sendable {
    package enum Kind: Sendable {
        case object([(key: String, value: JSONValue)])
        case array([JSONValue])
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    package var kind: Kind
    package var line: Int

    package var typeName: String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "true or false"
        case .null: "null"
        }
    }
}

package struct JSONSyntaxError: Error {
    package var line: Int
    package var message: String
}

/// Reads a parsed tree strictly (rules, site states): a value of the wrong
/// type, or an object key not allowed, is a `fail` that names the value's line
/// and its field (a path such as `classes[2].when[0].feature`).
package protocol StrictJSONReader {
    associatedtype Failure: Error
    func fail(_ value: JSONValue, _ field: String, _ reason: String) -> Failure
}

extension StrictJSONReader {
    package func object(_ value: JSONValue, _ field: String, allowed: Set<String>) throws(Failure) -> [String: JSONValue] {
        guard case let .object(members) = value.kind else { throw fail(value, field, "expected an object, found \(value.typeName)") }
        var out = [String: JSONValue]()
        for (key, member) in members {
            guard allowed.contains(key) else {
                throw fail(member, field.isEmpty ? key : "\(field).\(key)",
                           "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            out[key] = member
        }
        return out
    }

    package func number(_ value: JSONValue, _ field: String) throws(Failure) -> Double {
        guard case let .number(x) = value.kind else { throw fail(value, field, "expected a number, found \(value.typeName)") }
        return x
    }

    package func string(_ value: JSONValue, _ field: String) throws(Failure) -> String {
        guard case let .string(s) = value.kind else { throw fail(value, field, "expected a string, found \(value.typeName)") }
        return s
    }

    package func array(_ value: JSONValue, _ field: String) throws(Failure) -> [JSONValue] {
        guard case let .array(a) = value.kind else { throw fail(value, field, "expected an array, found \(value.typeName)") }
        return a
    }
}

/// A recursive-descent parser over UTF-8 bytes.
package struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1

    init(_ text: String) { bytes = Array(text.utf8) }

    package static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(text)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw parser.error("unexpected text after the end") }
        return value
    }

    private func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(line: line, message: message) }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"): line += 1; index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ literal: String) throws(JSONSyntaxError) {
        for byte in literal.utf8 {
            guard index < bytes.count, bytes[index] == byte else { throw error("expected '\(literal)'") }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < 64 else { throw error("nested too deeply") }
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end of file") }
        let start = line
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members = [(key: String, value: JSONValue)]()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return JSONValue(kind: .object(members), line: start) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a \"key\"") }
                let key = try string()
                if members.contains(where: { $0.key == key }) { throw error("duplicate key \"\(key)\"") }
                skipSpace()
                try expect(":")
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of file in an object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                throw error("expected ',' or '}'")
            }
            return JSONValue(kind: .object(members), line: start)
        case UInt8(ascii: "["):
            index += 1
            var elements = [JSONValue]()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return JSONValue(kind: .array(elements), line: start) }
            while true {
                elements.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of file in an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                throw error("expected ',' or ']'")
            }
            return JSONValue(kind: .array(elements), line: start)
        case UInt8(ascii: "\""):
            return JSONValue(kind: .string(try string()), line: start)
        case UInt8(ascii: "t"): try expect("true"); return JSONValue(kind: .bool(true), line: start)
        case UInt8(ascii: "f"): try expect("false"); return JSONValue(kind: .bool(false), line: start)
        case UInt8(ascii: "n"): try expect("null"); return JSONValue(kind: .null, line: start)
        default:
            return JSONValue(kind: .number(try number()), line: start)
        }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        index += 1  // the opening quote
        var out = [UInt8]()
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\n"): throw error("line break inside a string")
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unterminated string") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else { throw error("bad \\u escape") }
                    index += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("bad escape \\\(Character(Unicode.Scalar(escaped)))")
                }
            default: out.append(byte)
            }
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> Double {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !text.isEmpty, let value = Double(text), value.isFinite else {
            throw error(text.isEmpty ? "unexpected character '\(Character(Unicode.Scalar(bytes[start])))'" : "bad number '\(text)'")
        }
        return value
    }
}
