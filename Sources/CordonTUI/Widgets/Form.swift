import CordonModel

/// The one form widget behind all keyboard data entry: labelled fields,
/// Tab/Shift-Tab or arrows between them, inline messages under the field at
/// fault, and the typed input kept when the store refuses.
public struct Form: Sendable, Equatable {
  public enum FieldKind: Sendable, Equatable {
    case text
    case multiline
    case number
    /// A fixed list; typing narrows it (type-ahead), Up/Down moves in it.
    case choice([Choice])
  }

  public struct Choice: Sendable, Equatable {
    public var value: String
    public var label: String
    public init(value: String, label: String) {
      self.value = value
      self.label = label
    }
  }

  public struct Field: Sendable, Equatable {
    /// The command field this is, in the vocabulary the validator names faults in.
    public var id: CommandField
    public var label: String
    public var kind: FieldKind
    public var editor: LineEditor
    public var choiceIndex = 0
    public var error: String?
    /// A read-only line under the field when it has no error (a handover item's text).
    public var detail: String?
    /// Which entry of a list field this is (a handover's item number), so a
    /// refusal naming the list and the item lands under the right one.
    public var item: Int?
    public init(id: CommandField, label: String, kind: FieldKind, initial: String = "") {
      self.id = id
      self.label = label
      self.kind = kind
      self.editor = LineEditor(initial, multiline: kind == .multiline)
    }

    /// Choices matching what was typed, in order.
    public var matches: [Choice] {
      guard case .choice(let all) = kind else { return [] }
      let q = editor.text.lowercased()
      guard !q.isEmpty else { return all }
      return all.filter { $0.label.lowercased().contains(q) || $0.value.lowercased().hasPrefix(q) }
    }

    /// The value to submit: the chosen option for a choice, else the text.
    public var value: String {
      if case .choice = kind {
        let m = matches
        return m.indices.contains(choiceIndex) ? m[choiceIndex].value : ""
      }
      return editor.text
    }
  }

  /// Which form this is: decides how values become a command.
  public var purpose: FormPurpose
  public var title: String
  public var fields: [Field]
  public var focus = 0
  /// A refusal not tied to one field.
  public var error: String?
  public var submitting = false
  /// Set when the store asked for a confirmation (a short rest, fevers still
  /// to enter): the next save sends the command with the override.
  public var override = false
  /// Read-only lines above the fields (the checklist a handover will carry).
  public var intro: [String] = []
  private var initialTexts: [String]

  public init(purpose: FormPurpose, title: String, fields: [Field]) {
    self.purpose = purpose
    self.title = title
    self.fields = fields
    self.initialTexts = fields.map(\.editor.text)
  }

  /// Whether anything was typed since the form opened.
  public var isDirty: Bool { fields.map(\.editor.text) != initialTexts }

  public func value(_ id: CommandField) -> String { fields.first { $0.id == id }?.value ?? "" }

  public enum Outcome: Sendable, Equatable { case none, submit, cancel }

  public mutating func handle(_ key: Key) -> Outcome {
    switch key {
    case .esc: return .cancel
    case .ctrl("j") where fields[focus].kind == .multiline:
      _ = fields[focus].editor.handle(key)
      return .none
    case .enter, .ctrl("j"):
      if focus < fields.count - 1 && !(fields[focus].kind == .multiline) {
        focus += 1
        return .none
      }
      return .submit
    case .ctrl("s"): return .submit
    case .tab:
      focus = (focus + 1) % max(1, fields.count)
      return .none
    case .backTab:
      focus = (focus + fields.count - 1) % max(1, fields.count)
      return .none
    case .up, .down:
      if case .choice = fields[focus].kind {
        let n = fields[focus].matches.count
        if n > 0 { fields[focus].choiceIndex = (fields[focus].choiceIndex + (key == .down ? 1 : n - 1)) % n }
      } else {
        focus = (focus + (key == .down ? 1 : fields.count - 1)) % max(1, fields.count)
      }
      return .none
    default:
      if fields[focus].editor.handle(key) {
        fields[focus].error = nil
        error = nil
        if case .choice = fields[focus].kind { fields[focus].choiceIndex = 0 }
      }
      return .none
    }
  }

  /// Puts a refusal where it belongs: under its field, or on the form.
  public mutating func show(refusal message: String, field: CommandField?, item: Int? = nil) {
    if let field, let item, let i = fields.firstIndex(where: { $0.id == field && $0.item == item }) {
      fields[i].error = message
      focus = i
    } else if let field, let i = fields.firstIndex(where: { $0.id == field }) {
      fields[i].error = message
      focus = i
    } else {
      error = message
    }
  }

  public mutating func clearErrors() {
    for i in fields.indices { fields[i].error = nil }
    error = nil
  }
}

/// The forms the console offers. `FormCatalog` builds each and turns its
/// fields into one command.
public enum FormPurpose: Sendable, Equatable {
  case temperatureRound, feverCase, disinfection
  case openSite(String)
  case assignShift, handover
  /// The incoming person's receipt of a handover (HandoverForms).
  case confirmHandover(String)
  case swapShift(String)
  case issueStock, receiveStock, transferStock, countStock, requestSupplies
  case healthRegister
  case resolveAlert(AlertKey), silenceAlert(AlertKey), assignAlert(AlertKey)
  case issueDirective
  // The duty pane (DutyForms).
  case logEntry(unit: String?), reportUp(unit: String?, ref: String?)
  case replyReport(String), replyDirective(String, unit: String)
  case closeFollowUp(String), voidLogEntry(String)
  // The organisation view (OrgForms).
  case addUnit, editUnit(String), addSite(unit: String?), editSite(String)
  case addPerson(unit: String?), editPerson(String), addItem, editItem(String), changeSettings
  // The fund view (FundForms).
  case fundIncome(line: String?), fundExpense(line: String?), approveExpense(String), rejectExpense(String)
  case reverseFundEntry(String), donation(campaign: String?)
  // The inspections and teams views (OversightForms): a unit or a team the selection names.
  case inspection(unit: String?), finding(unit: String?), rectify(unit: String?), verifyFinding(unit: String?)
  case team(String?), deploy(team: String?), recall(team: String?)
}
