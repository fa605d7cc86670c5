import EventSourcing

/// The organisation as it stands, written back as an organisation file
/// (`cordon org export`): what `cordon init --org` reads. Deterministic:
/// exporting, initialising a fresh store from the export and exporting again
/// gives the same bytes. Retired units, sites, items and people are left out.
public enum OrganisationExport {
  public static func toml(_ state: CordonState) -> String {
    var out = """
      # Cordon organisation file: `cordon init --org FILE` reads it.
      # Written by `cordon org export`; see deploy/org.example.toml for every key explained.

      """
    let s = SettingsChanges(state.settings)
    out += "\n[settings]\n"
    out += "feverThreshold = \(number(s.feverThreshold))\n"
    out += "plausibleMin = \(number(s.plausibleMin))\n"
    out += "plausibleMax = \(number(s.plausibleMax))\n"
    out += "ackTimeoutMinutes = \(s.ackTimeoutMinutes ?? 0)\n"
    out += "maxEscalations = \(s.maxEscalations ?? 0)\n"
    out += "restHours = \(s.restHours ?? 0)\n"
    out += "coverageLeadMinutes = \(s.coverageLeadMinutes ?? 0)\n"
    out += "lowCoverDays = \(s.lowCoverDays ?? 0)\n"
    out += "signInGraceMinutes = \(s.signInGraceMinutes ?? 15)\n"
    out += "handoverConfirmMinutes = \(s.handoverConfirmMinutes ?? 30)\n"
    out += "fundApprovalThreshold = \(quote((s.fundApprovalThreshold ?? .zero).description))\n"
    for u in unitsParentsFirst(state) {
      out += "\n[[units]]\nid = \(quote(u.id))\nname = \(quote(u.name.zh))\n"
      if !u.name.en.isEmpty { out += "nameEn = \(quote(u.name.en))\n" }
      out += "key = \(u.isKey)\n"
      if u.isHeadquarters { out += "headquarters = true\n" }
      if let p = u.parent { out += "parent = \(quote(p))\n" }
      if u.holdsReserve { out += "reserve = true\n" }
    }
    for site in state.orderedSites {
      out += "\n[[sites]]\nid = \(quote(site.id))\nname = \(quote(site.name.zh))\n"
      if !site.name.en.isEmpty { out += "nameEn = \(quote(site.name.en))\n" }
      out += "unit = \(quote(site.unit))\nkind = \(quote(site.kind.rawValue))\n"
      out += "roundsPerDay = \(site.roundsPerDay)\ndisinfectionsPerDay = \(site.disinfectionsPerDay)\n"
      out += "reportIntervalMinutes = \(site.reportIntervalMinutes)\n"
      out += "open = \(site.isOpen)\nstaff = \(site.staffOnPost)\n"
      if let r = site.requiredStaff, r > 0 { out += "requiredStaff = \(r)\n" }
    }
    for i in state.orderedItems {
      out += "\n[[items]]\nid = \(quote(i.id))\nname = \(quote(i.name.zh))\n"
      if !i.name.en.isEmpty { out += "nameEn = \(quote(i.name.en))\n" }
      out += "measure = \(quote(i.unitOfMeasure.zh))\n"
      if !i.unitOfMeasure.en.isEmpty { out += "measureEn = \(quote(i.unitOfMeasure.en))\n" }
      out += "fractions = \(!i.wholePieces)\nminimum = \(i.defaultMinimum.description)\n"
    }
    for p in people(state) {
      out += "\n[[people]]\nid = \(quote(p.id))\nname = \(quote(p.name))\nunit = \(quote(p.unit))\n"
      if !p.phone.isEmpty { out += "phone = \(quote(p.phone))\n" }
      if !p.categories.isEmpty {
        out +=
          "categories = ["
          + p.categories.map { quote(PersonCategory.words[$0]?.first ?? $0.rawValue) }
          .joined(separator: ", ") + "]\n"
      }
    }
    // Checklists set for a kind (issue 17), in the kinds' order; the default is not written.
    for kind in SiteKind.allCases {
      guard let items = state.oversight.checklists[kind.rawValue] else { continue }
      out += "\n[[checklists]]\nkind = \(quote(kind.rawValue))\nitems = [\(items.map(quote).joined(separator: ", "))]\n"
    }
    return out
  }

  /// The units in the organisation's order, except that a parent always comes
  /// before its children (as `cordon init` registers them), so a round trip keeps the order.
  public static func unitsParentsFirst(_ state: CordonState) -> [OrgUnit] {
    let units = state.orderedUnits
    let ids = Set(units.map(\.id))
    var placed = Set<String>()
    var out: [OrgUnit] = []
    var progress = true
    while progress && out.count < units.count {
      progress = false
      for u in units where !placed.contains(u.id) {
        guard u.parent.map({ !ids.contains($0) || placed.contains($0) }) ?? true else { continue }
        placed.insert(u.id)
        out.append(u)
        progress = true
      }
    }
    // A cycle cannot be entered (a parent must exist first); keep any such unit anyway.
    return out + units.filter { !placed.contains($0.id) }
  }

  /// The people still in the group, by unit in the organisation's order,
  /// then by id with its numbers read as numbers (`p-hq-2` before `p-hq-10`):
  /// an import numbers a unit's people in the file's order, so a CSV export
  /// imported again exports in the same order.
  public static func people(_ state: CordonState) -> [Person] {
    var rank: [String: Int] = [:]
    for (i, u) in state.allUnits.enumerated() { rank[u.id] = i }
    return state.people.values.filter { $0.retiredAt == nil }.sorted {
      let (a, b) = (rank[$0.unit] ?? Int.max, rank[$1.unit] ?? Int.max)
      return a != b ? a < b : numberedLess($0.id, $1.id)
    }
  }

  /// `a < b` comparing runs of ASCII digits by value (a shorter run of the
  /// same value first), everything else by scalar; equal ids are not less.
  static func numberedLess(_ a: String, _ b: String) -> Bool {
    func isDigit(_ u: Unicode.Scalar) -> Bool { ("0"..."9").contains(u) }
    let x = Array(a.unicodeScalars)
    let y = Array(b.unicodeScalars)
    var i = 0
    var j = 0
    while i < x.count && j < y.count {
      if isDigit(x[i]) && isDigit(y[j]) {
        var i2 = i
        var j2 = j
        while i2 < x.count && isDigit(x[i2]) { i2 += 1 }
        while j2 < y.count && isDigit(y[j2]) { j2 += 1 }
        // Leading zeros aside, a longer run is a larger number.
        let p = x[i..<i2].drop { $0 == "0" }
        let q = y[j..<j2].drop { $0 == "0" }
        if p.count != q.count { return p.count < q.count }
        if !p.elementsEqual(q) { return p.lexicographicallyPrecedes(q, by: { $0.value < $1.value }) }
        if i2 - i != j2 - j { return i2 - i < j2 - j }
        i = i2
        j = j2
      } else {
        if x[i] != y[j] { return x[i].value < y[j].value }
        i += 1
        j += 1
      }
    }
    return x.count - i < y.count - j
  }

  /// "37.3": always with the tenth, so TOML reads a float.
  static func number(_ c: Celsius?) -> String { c?.description ?? "0.0" }

  /// A TOML basic string: TOML's escapes are JSON's, so one quoting serves
  /// both. Names were cleaned of control characters when they were entered;
  /// any left are escaped, never written raw.
  static func quote(_ s: String) -> String { JSONLine.quote(s) }
}
