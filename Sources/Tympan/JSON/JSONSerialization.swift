extension JSONValue {
    /// Compact JSON; numbers in their shortest exact form.
    package func serialized() -> String {
        switch kind {
        case let .object(members): return "{" + members.map { Self.quote($0.key) + ": " + $0.value.serialized() }.joined(separator: ", ") + "}"
        case let .array(items): return "[" + items.map { $0.serialized() }.joined(separator: ", ") + "]"
        case let .string(s): return Self.quote(s)
        case let .number(x): return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    package static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
