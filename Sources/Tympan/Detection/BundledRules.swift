extension Rules {
    /// The bundled rules (documented class by class in docs/rules.md). Printed
    /// by `tympan rules`; edit a copy and pass it with `--rules`.
    public static let bundledJSON = """
    {
      "format": "tympan-rules",
      "version": 1,
      "about": "placeholder",
      "classes": [
        {"class": "gunshot", "when": [{"feature": "flux_db", "above": 6}]}
      ]
    }
    """
}
