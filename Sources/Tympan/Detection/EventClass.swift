/// The eight abnormal sound events, with stable numeric ids. Everything else is background.
public enum EventClass: String, CaseIterable, Sendable, Codable, Comparable {
    case gunshot
    case scream
    case drill
    case angleGrinder = "angle_grinder"
    case carHorn = "car_horn"
    case whistle
    case aerosolSpray = "aerosol_spray"
    case crackling

    /// The label used in rules, label files and event records.
    public var label: String { rawValue }

    /// Stable across versions: a record's `class_id`.
    public var id: Int {
        switch self {
        case .gunshot: 1
        case .scream: 2
        case .drill: 3
        case .angleGrinder: 4
        case .carHorn: 5
        case .whistle: 6
        case .aerosolSpray: 7
        case .crackling: 8
        }
    }

    public static func < (a: EventClass, b: EventClass) -> Bool { a.id < b.id }
}
