import EventSourcing

/// What an import file becomes: one all-or-nothing command, and enough of the
/// file kept to turn the store's refusal back into a line and a column.
public struct CSVImportPlan: Sendable, Equatable {
  /// nil when the file has a header and no rows: nothing to submit.
  public var command: CordonCommand?
  /// The file's line for each entry of the batch (or event of the register).
  public var entryLines: [Int]
  /// A refusal's form field → the column's header as written in the file.
  public var fieldColumns: [String: String]
  /// What a good file added, for the user.
  public var summary: CSVMessage

  /// The refused entry's line (batchIndex, or the 1-based event number of a
  /// register refusal) and the column at fault (the refusal's field).
  public func issue(for refusal: Refusal) -> CSVIssue {
    var index = refusal.batchIndex
    if index == nil, refusal.code.hasPrefix("register."), let n = refusal.args.first.flatMap({ Int($0) }) {
      index = n - 1
    }
    let line = index.flatMap { entryLines.indices.contains($0) ? entryLines[$0] : nil }
    let column = refusal.field.flatMap { fieldColumns[$0] }
    return CSVIssue(line: line, column: column, .refusal(refusal))
  }
}

/// Pure mapping from CSV files to commands. Nothing here touches the store:
/// the plan's command is validated by `CordonDomain.decide` like any other,
/// so a row is accepted exactly when the equivalent form would be.
public enum CSVImport {
  // MARK: People

  /// 姓名/name, 单位/unit, 电话/phone, 类别/category → one register batch.
  /// Ids are generated as `p-<unit>-<n>`, skipping ids already taken.
  public static func people(_ bytes: [UInt8], state: CordonState) throws(CSVImportError) -> CSVImportPlan {
    typealias C = CSVFormat.People
    let table = try CSVTable(bytes, columns: C.columns)
    var taken = Set(state.people.keys)
    // Names must be unique within a unit: shift imports find people by name.
    var namesByUnit: [String: [String: Int]] = [:]
    for p in state.people.values { namesByUnit[p.unit, default: [:]][p.name] = 0 }
    var nextNumber: [String: Int] = [:]
    let (events, lines) = try table.entries { (row, rowIssues: inout [CSVIssue]) -> [CordonEvent] in
      let name = table.value(row, C.name)
      if name.isEmpty { rowIssues.append(table.issue(row, C.name, .t("csv.required"))) }
      if name.count > Limits.name {
        rowIssues.append(table.issue(row, C.name, .t("csv.tooLong", String(Limits.name))))
      }
      let (unitText, unit) = table.unit(row, C.unit, in: state, issues: &rowIssues)
      let phone = table.value(row, C.phone)
      if !isPhone(phone) { rowIssues.append(table.issue(row, C.phone, .t("csv.invalidPhone", phone))) }
      var categories: [PersonCategory] = []
      for token in table.value(row, C.category).split(whereSeparator: { ";；、".contains($0) }) {
        let text = String(token).csvTrimmed
        if text.isEmpty { continue }
        guard let c = CSVFormat.category(text) else {
          rowIssues.append(
            table.issue(row, C.category, .t("csv.unknownCategory", text, CSVFormat.knownCategories())))
          continue
        }
        if !categories.contains(c) { categories.append(c) }
      }
      if let unit, !name.isEmpty {
        if let earlier = namesByUnit[unit.id]?[name] {
          let message: CSVMessage =
            earlier == 0
            ? .t("csv.duplicatePerson", name, unitText) : .t("csv.duplicateRow", String(earlier))
          rowIssues.append(table.issue(row, C.name, message))
        } else {
          namesByUnit[unit.id, default: [:]][name] = row.line
        }
      }
      guard rowIssues.isEmpty, let unit else { return [] }
      var n = nextNumber[unit.id] ?? 1
      var id = personID(unit: unit.id, n)
      while taken.contains(id) {
        n += 1
        id = personID(unit: unit.id, n)
      }
      nextNumber[unit.id] = n + 1
      taken.insert(id)
      return [.personRegistered(Person(id: id, name: name, unit: unit.id, phone: phone, categories: categories))]
    }
    return CSVImportPlan(
      command: events.isEmpty ? nil : .register(events), entryLines: lines,
      fieldColumns: ["person": table.name(C.name), "unit": table.name(C.unit)],
      summary: .t("csv.added.people", String(events.count)))
  }

  /// `p-<unit>-<n>`, or `p-<n>` when a long unit id would pass the 64-character id limit.
  static func personID(unit: String, _ n: Int) -> String {
    let id = "p-\(unit)-\(n)"
    return id.count <= 64 ? id : "p-\(n)"
  }

  /// Digits with the usual separators; empty is allowed (the column is optional).
  static func isPhone(_ s: String) -> Bool {
    s.count <= 32 && s.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || "+-() ".unicodeScalars.contains($0) }
  }

  // MARK: Shifts

  /// 单位/unit, 岗位/role, 姓名/name, 开始/start, 结束/end → ONE batch of
  /// `assignShift`, so each row is checked exactly as the form checks it
  /// (overlaps with the store and with earlier rows, end after start) and
  /// the file is applied all or nothing. Short rest is confirmed: a planned
  /// roster is a deliberate choice, and the form would only ask to confirm.
  public static func shifts(_ bytes: [UInt8], state: CordonState) throws(CSVImportError) -> CSVImportPlan {
    typealias C = CSVFormat.Shifts
    let table = try CSVTable(bytes, columns: C.columns)
    let (commands, lines) = try table.entries { (row, rowIssues: inout [CSVIssue]) -> [CordonCommand] in
      let (unitText, unit) = table.unit(row, C.unit, in: state, issues: &rowIssues)
      let roleText = table.value(row, C.role)
      let role = CSVFormat.role(roleText)
      if role == nil {
        let m: CSVMessage =
          roleText.isEmpty ? .t("csv.required") : .t("csv.unknownRole", roleText, CSVFormat.knownRoles())
        rowIssues.append(table.issue(row, C.role, m))
      }
      let name = table.value(row, C.name)
      var person: Person? = nil
      if name.isEmpty {
        rowIssues.append(table.issue(row, C.name, .t("csv.required")))
      } else if let unit {
        let matches = state.people.values.filter { $0.unit == unit.id && $0.name == name }
        if matches.count == 1 {
          person = matches.first
        } else if matches.isEmpty {
          rowIssues.append(table.issue(row, C.name, .t("csv.unknownPerson", name, unitText)))
        } else {
          rowIssues.append(table.issue(row, C.name, .t("csv.ambiguousPerson", name, unitText, String(matches.count))))
        }
      }
      var times: [Instant] = []
      for column in [C.start, C.end] {
        let text = table.value(row, column)
        if let t = CSVFormat.time(text, calendar: state.calendar) {
          times.append(t)
        } else {
          let m: CSVMessage = text.isEmpty ? .t("csv.required") : .t("csv.invalidTime", text)
          rowIssues.append(table.issue(row, column, m))
        }
      }
      guard rowIssues.isEmpty, let unit, let role, let person, times.count == 2 else { return [] }
      return [
        .assignShift(
          unit: unit.id, site: nil, role: role, person: person.id, start: times[0], end: times[1],
          confirmShortRest: true)
      ]
    }
    let start = table.name(C.start)
    return CSVImportPlan(
      command: commands.isEmpty ? nil : .batch(commands), entryLines: lines,
      fieldColumns: [
        "unit": table.name(C.unit), "role": table.name(C.role), "person": table.name(C.name), "start": start,
        "confirm": start, "end": table.name(C.end),
      ],
      summary: .t("csv.added.shifts", String(commands.count)))
  }

  // MARK: Stock opening balances

  /// 单位/unit, 物资/item, 数量/quantity, optional 下限/minimum → one batch of
  /// receipts ("opening balance") and minimum levels. An opening balance only
  /// goes into an empty stock line: loading the same file twice must not
  /// double the stock (a wrong balance is put right with a stocktake).
  public static func stock(_ bytes: [UInt8], state: CordonState) throws(CSVImportError) -> CSVImportPlan {
    typealias C = CSVFormat.Stock
    let table = try CSVTable(bytes, columns: C.columns)
    var seen: [StockKey: Int] = [:]
    var balances = 0
    var minimums = 0
    let (commands, lines) = try table.entries { (row, rowIssues: inout [CSVIssue]) -> [CordonCommand] in
      let (unitText, unit) = table.unit(row, C.unit, in: state, issues: &rowIssues)
      let itemText = table.value(row, C.item)
      let item = itemText.isEmpty ? nil : CSVFormat.item(itemText, in: state)
      if itemText.isEmpty {
        rowIssues.append(table.issue(row, C.item, .t("csv.required")))
      } else if item == nil {
        rowIssues.append(table.issue(row, C.item, .t("csv.unknownItem", itemText)))
      }
      let quantityText = table.value(row, C.quantity)
      let quantity = Quantity(parsing: quantityText)
      if quantityText.isEmpty {
        rowIssues.append(table.issue(row, C.quantity, .t("csv.required")))
      } else if quantity == nil || (quantity?.milli ?? 0) < 0 {
        rowIssues.append(table.issue(row, C.quantity, .t("csv.invalidQuantity", quantityText)))
      }
      let minimumText = table.value(row, C.minimum)
      var minimum: Quantity? = nil
      if !minimumText.isEmpty {
        minimum = Quantity(parsing: minimumText)
        if minimum == nil || (minimum?.milli ?? 0) < 0 {
          rowIssues.append(table.issue(row, C.minimum, .t("csv.invalidQuantity", minimumText)))
        }
      }
      if let unit, let item {
        let key = StockKey(unit: unit.id, item: item.id)
        if let earlier = seen[key] {
          rowIssues.append(table.issue(row, C.item, .t("csv.duplicateRow", String(earlier))))
        } else {
          seen[key] = row.line
        }
        if let held = state.stock[key]?.balance, held.milli != 0 {
          rowIssues.append(
            table.issue(row, C.quantity, .t("csv.stockExists", unitText, itemText, held.description)))
        }
      }
      guard rowIssues.isEmpty, let unit, let item, let quantity else { return [] }
      balances += 1
      var row: [CordonCommand] = []
      if quantity.milli > 0 {
        row.append(
          .receiveStock(unit: unit.id, item: item.id, quantity: quantity, kind: .purchase, reason: "opening balance"))
      }
      if let minimum {
        minimums += 1
        row.append(.setMinimum(unit: unit.id, item: item.id, minimum: minimum))
      }
      return row
    }
    return CSVImportPlan(
      command: commands.isEmpty ? nil : .batch(commands), entryLines: lines,
      fieldColumns: [
        "unit": table.name(C.unit), "item": table.name(C.item), "quantity": table.name(C.quantity),
        "minimum": table.name(C.minimum),
      ],
      summary: .t("csv.added.stock", String(balances), String(minimums)))
  }
}
