import EventSourcing

/// The one place commands are checked. Every refusal names a stable code (the
/// string tables turn it into words) and the form field at fault.
struct CommandValidator {
  let state: CordonState
  let context: CommandContext

  func events(for command: CordonCommand) throws(Refusal) -> [CordonEvent] {
    switch command {
    case .register(let events):
      return try register(events)

    case .batch(let commands):
      guard commands.count <= Limits.batchCommands else {
        throw Refusal("field.outOfRange", ["lines", String(commands.count), "1", String(Limits.batchCommands)])
      }
      var scratch = state
      var out: [CordonEvent] = []
      for (i, c) in commands.enumerated() {
        if case .batch = c { throw Refusal("batch.nested", [String(i)]) }
        let events: [CordonEvent]
        do {
          events = try CommandValidator(state: scratch, context: context).events(for: c)
        } catch {
          var r = error
          r.batchIndex = i
          throw r
        }
        for e in events {
          scratch.apply(
            EventRecord(
              seq: scratch.lastSeq + 1, time: context.now, actor: context.actor, unit: context.unit, commandID: nil,
              event: e))
        }
        out += events
      }
      return out

    case .assignShift(let unit, let site, let role, let person, let start, let end, let confirm):
      try requireUnit(unit)
      if let site { try requireSite(site) }
      let p = try requirePerson(person)
      guard end > start else { throw Refusal("shift.endNotAfterStart", field: .end) }
      guard end.milliseconds(since: start) <= 24 * 3_600_000 else {
        throw Refusal("shift.tooLong", field: .end)
      }
      // In id order, so the shift a refusal names is the same in every process.
      let theirs = state.shifts(ofPerson: person).filter(\.counts).sorted { $0.id < $1.id }
      if let clash = theirs.first(where: { $0.start < end && start < $0.end }) {
        throw Refusal(
          "shift.overlap", [p.name, state.calendar.format(clash.start), state.calendar.format(clash.end)],
          field: .start)
      }
      let minRest = Int64(state.settings.minimumRestHours).clampedMultiplied(by: 3_600_000)
      if !confirm {
        for s in theirs {
          let gap = s.end <= start ? start.milliseconds(since: s.end) : s.start.milliseconds(since: end)
          if gap < minRest {
            throw Refusal("shift.shortRest", [p.name, String(gap / 60_000)], field: .start)
          }
        }
      }
      let id = "sh\(state.serial + 1)"
      return [
        .shiftAssigned(
          Shift(
            id: id, unit: unit, site: site, role: role, person: person, start: start, end: end, noShow: false,
            cancelled: false))
      ]

    case .cancelShift(let id, let reason):
      try Limits.check(id, max: Limits.identifier, field: .shift)
      guard let s = state.shifts[id], !s.cancelled else { throw Refusal("shift.unknown", [id], field: .shift) }
      return [.shiftCancelled(shift: id, reason: try required(reason, .reason))]

    case .markNoShow(let id):
      try Limits.check(id, max: Limits.identifier, field: .shift)
      guard let s = state.shifts[id], s.counts else { throw Refusal("shift.unknown", [id], field: .shift) }
      guard s.start <= context.now else { throw Refusal("shift.notStarted", field: .shift) }
      return [.noShowMarked(shift: id)]

    case .swapShifts(let a, let b):
      try Limits.check(a, max: Limits.identifier, field: .a)
      try Limits.check(b, max: Limits.identifier, field: .b)
      guard let sa = state.shifts[a], sa.counts else { throw Refusal("shift.unknown", [a], field: .a) }
      guard let sb = state.shifts[b], sb.counts else { throw Refusal("shift.unknown", [b], field: .b) }
      guard a != b, sa.person != sb.person else { throw Refusal("shift.swapSame", field: .b) }
      // Each person must be free for the other's shift, apart from the two shifts being traded.
      for (person, target) in [(sa.person, sb), (sb.person, sa)] {
        let clash = state.shifts(ofPerson: person).filter {
          $0.counts && $0.id != a && $0.id != b && $0.start < target.end && target.start < $0.end
        }.min { $0.id < $1.id }
        if let clash {
          throw Refusal(
            "shift.overlap",
            [state.personName(person), state.calendar.format(clash.start), state.calendar.format(clash.end)],
            field: .b)
        }
      }
      return [.shiftsSwapped(a, b)]

    case .registerHealth(let person, let day, let category, let check, let contact, let remarks):
      try requirePerson(person)
      let today = state.calendar.day(of: context.now)
      guard day <= today, day >= today - 7 else {
        throw Refusal("health.day", [state.calendar.formatDay(day)], field: .date)
      }
      if let check { try checkReading(check, field: .morningCheck) }
      return [
        .healthRegistered(
          HealthEntry(
            person: person, day: day, category: category, morningCheck: check, travellerContact: contact,
            remarks: try optional(remarks, .remarks)))
      ]

    case .issueDirective(let text, let targets, let deadline, let priority):
      let t = try required(text, .text, max: Limits.text)
      guard !targets.isEmpty else { throw Refusal("field.required", field: .targets) }
      try Limits.check(targets.count, in: 1...Limits.directiveTargets, field: .targets)
      for u in targets { try requireUnit(u, field: .targets) }
      guard deadline > context.now else { throw Refusal("directive.deadlinePast", field: .deadline) }
      var seen = Set<String>()
      let unique = targets.filter { seen.insert($0).inserted }
      return [
        .directiveIssued(
          Directive(
            id: "d\(state.serial + 1)", text: t, targets: unique, deadline: deadline, issuedBy: context.actor,
            issuedAt: context.now, priority: priority))
      ]

    case .testNotification(let receiver):
      _ = try Limits.check(receiver, max: Limits.identifier, field: .receiver)
      guard state.notify.routing.receivers.contains(receiver) else {
        throw Refusal(
          "notify.unknownReceiver", [receiver, state.notify.routing.receivers.joined(separator: ", ")],
          field: .receiver)
      }
      return [Notifier.test(receiver: receiver, actor: context.actor, state: state, now: context.now)]

    case .configureNotifications(let routing):
      guard routing != state.notify.routing else { return [] }
      return [.notificationsConfigured(routing)] + state.notify.dropped(keeping: routing.receivers)

    case .recordDeliveries(let outcomes):
      // One command for all the outcomes the sender gathered, decided against
      // the state as it is: a batch of commands would copy the outbox for its
      // scratch state, once per commit while a receiver drains a burst.
      guard outcomes.count <= Limits.deliveryOutcomes else {
        throw Refusal(
          "field.outOfRange", ["outcomes", String(outcomes.count), "1", String(Limits.deliveryOutcomes)])
      }
      var settled = Set<String>()
      return outcomes.compactMap { outcome -> CordonEvent? in
        switch outcome {
        case .delivered(let id, let receiver, let attempt):
          // A second report of the same delivery (a retried commit, or twice in one list) changes nothing.
          guard state.notify.pending[id]?.remaining.contains(receiver) == true,
            settled.insert("\(id)|\(receiver)").inserted
          else { return nil }
          return .notificationDelivered(id: id, receiver: receiver, attempt: attempt)
        case .failed(let id, let receiver, let attempt, let error):
          guard state.notify.pending[id]?.remaining.contains(receiver) == true, !settled.contains("\(id)|\(receiver)"),
            DeliveryOutcome.journals(failedAttempt: attempt)
          else { return nil }
          return .notificationFailed(
            id: id, receiver: receiver, attempt: attempt, error: String(error.prefix(DeliveryOutcome.maxErrorLength)))
        }
      }

    case .startDrill, .endDrill:
      return try drill(command)

    case .acknowledgeDirective(let id, let unit):
      try Limits.check(id, max: Limits.identifier, field: .id)
      try Limits.check(unit, max: Limits.identifier, field: .unit)
      guard let d = state.directives[id] else { throw Refusal("directive.unknown", [id], field: .id) }
      guard d.targets.contains(unit) else { throw Refusal("directive.notTarget", [id, unit], field: .unit) }
      guard !d.isAcknowledged(by: unit) else { throw Refusal("directive.alreadyAcknowledged", [id, unit]) }
      return [.directiveAcknowledged(id: id, unit: unit)]

    case .signIn(let id):
      guard let sh = state.shifts[id], sh.counts else { throw Refusal("shift.unknown", [id], field: .shift) }
      guard sh.signedIn == nil else {
        throw Refusal(
          "signIn.twice", [state.personName(sh.person), state.calendar.format(sh.signedIn?.at ?? sh.start)],
          field: .shift)
      }
      let opens = sh.start.adding(minutes: -Int64(SignIn.earliestMinutes))
      guard opens <= context.now, context.now < sh.end else {
        throw Refusal(
          "signIn.window", [state.calendar.format(opens), state.calendar.format(sh.end)], field: .shift)
      }
      // Who may sign in for someone else is the authorisation check's (the command role only).
      let forOther = !state.isPerson(sh.person, account: context.actor)
      return [.signedIn(SignIn(shift: id, person: sh.person, at: context.now, by: context.actor, forOther: forOther))]

    case .signOut(let id):
      guard let sh = state.shifts[id], !sh.cancelled else { throw Refusal("shift.unknown", [id], field: .shift) }
      guard sh.signedIn != nil else {
        throw Refusal("signOut.notSignedIn", [state.personName(sh.person)], field: .shift)
      }
      if let out = sh.signedOutAt {
        throw Refusal("signOut.twice", [state.personName(sh.person), state.calendar.format(out)], field: .shift)
      }
      return [.signedOut(shift: id, at: context.now, by: context.actor)]

    case .writeHandover, .confirmHandover:
      return try handover(command)

    case .recordRound(let siteID, let checked, let fevers, let acceptMissing):
      let site = try requireSite(siteID)
      guard site.isOpen else { throw Refusal("site.closed", [siteID], field: .site) }
      try Limits.check(checked, in: Limits.checked, field: .checked)
      guard fevers >= 0, fevers <= checked else {
        throw Refusal("round.feversExceedChecked", [String(fevers), String(checked)], field: .fevers)
      }
      let since = site.lastRound?.at ?? Instant(milliseconds: Int64.min)
      let entered = state.feverCases(atSite: siteID).filter { $0.at > since }.count
      var toEnter = 0
      if fevers != entered {
        guard fevers > entered, acceptMissing else {
          throw Refusal("round.feverMismatch", [String(fevers), String(entered)], field: .fevers)
        }
        toEnter = fevers - entered
      }
      return [
        .roundRecorded(
          site: siteID,
          round: TemperatureRound(
            at: context.now, checked: checked, fevers: fevers, casesToEnter: toEnter, by: context.actor))
      ]

    case .recordFever(let siteID, let personName, let reading):
      try requireSite(siteID)
      let name = try required(personName, .person, max: Limits.name)
      try checkReading(reading, field: .reading)
      guard reading >= state.settings.feverThreshold else {
        throw Refusal(
          "fever.belowThreshold", [reading.description, state.settings.feverThreshold.description], field: .reading)
      }
      return [
        .feverRecorded(
          FeverCase(id: "fc\(state.serial + 1)", site: siteID, personName: name, reading: reading, at: context.now))
      ]

    case .recordDisinfection(let siteID, let area, let agent, let by):
      try requireSite(siteID)
      return [
        .disinfectionRecorded(
          site: siteID,
          disinfection: Disinfection(
            at: context.now, area: try required(area, .area, max: Limits.name),
            agent: try required(agent, .agent, max: Limits.name),
            by: try optional(by, .by, max: Limits.name).isEmpty ? context.actor : UserText.clean(by)))
      ]

    case .recordVentilation(let siteID):
      try requireSite(siteID)
      return [.ventilationRecorded(site: siteID)]

    case .openSite(let siteID, let staff):
      try requireSite(siteID)
      try Limits.check(staff, in: Limits.staff, field: .staff)
      return [.siteOpened(site: siteID, staff: staff)]

    case .closeSite(let siteID):
      let site = try requireSite(siteID)
      guard site.isOpen else { throw Refusal("site.closed", [siteID], field: .site) }
      return [.siteClosed(site: siteID)]

    case .receiveStock(let unit, let item, let q, let kind, let reason):
      try requireUnit(unit)
      try checkQuantity(q, item: item)
      guard [.purchase, .donation, .cityAllocation].contains(kind) else {
        throw Refusal("movement.kindInvalid", [kind.rawValue], field: .kind)
      }
      try checkRoom(unit: unit, item: item, q)
      return [
        .stockMoved(StockMovement(unit: unit, item: item, kind: kind, delta: q, reason: try optional(reason, .reason)))
      ]

    case .issueStock(let unit, let item, let q, let reason):
      try requireUnit(unit)
      try checkQuantity(q, item: item)
      try checkAvailable(unit: unit, item: item, q)
      return [
        .stockMoved(
          StockMovement(
            unit: unit, item: item, kind: .issued, delta: -q, reason: try optional(reason, .reason)))
      ]

    case .transferStock(let from, let to, let item, let q, let reason):
      try requireUnit(from, field: .from)
      try requireUnit(to, field: .to)
      guard from != to else { throw Refusal("transfer.sameUnit", field: .to) }
      try checkQuantity(q, item: item)
      try checkAvailable(unit: from, item: item, q)
      try checkRoom(unit: to, item: item, q)
      return [
        .stockTransferred(
          StockTransfer(from: from, to: to, item: item, quantity: q, reason: try optional(reason, .reason)))
      ]

    case .countStock(let unit, let item, let counted, let reason):
      try requireUnit(unit)
      let i = try requireItem(item)
      guard counted.milli >= 0 else { throw Refusal("quantity.negative", field: .counted) }
      try checkAtMost(counted, Limits.balance, field: .counted)
      guard !i.wholePieces || counted.isWhole else { throw Refusal("quantity.fraction", [item], field: .counted) }
      return [.stockCounted(StockCount(unit: unit, item: item, counted: counted, reason: reason))]

    case .setMinimum(let unit, let item, let minimum):
      try requireUnit(unit)
      try requireItem(item)
      guard minimum.milli >= 0 else { throw Refusal("quantity.negative", field: .minimum) }
      try checkAtMost(minimum, Limits.balance, field: .minimum)
      return [.minimumSet(unit: unit, item: item, minimum: minimum)]

    case .submitRequest(let unit, let item, let q, let urgency, let reason):
      try requireUnit(unit)
      try checkQuantity(q, item: item)
      return [
        .requestSubmitted(
          ShortageRequest(
            id: "rq\(state.serial + 1)", unit: unit, item: item, quantity: q, urgency: urgency,
            reason: try required(reason, .reason), submittedAt: context.now))
      ]

    case .approveRequest(let id, let q, let note):
      let r = try requireRequest(id, in: [.submitted])
      try checkQuantity(q, item: r.item)
      guard q <= r.quantity else {
        throw Refusal("request.moreThanAsked", [q.description, r.quantity.description], field: .quantity)
      }
      guard let reserve = state.reserveUnit else { throw Refusal("org.noReserve", field: .quantity) }
      let held = state.stock[StockKey(unit: reserve, item: r.item)]?.balance ?? .zero
      guard q <= held else {
        throw Refusal(
          "request.reserveShort", [held.description, q.description, (q - held).description], field: .quantity)
      }
      // Approval allocates at once: both in one durable batch, so an approved
      // request never waits on stock that someone else takes meanwhile.
      return [
        .requestApproved(id: id, quantity: q, note: try optional(note, .note)),
        .stockTransferred(StockTransfer(from: reserve, to: r.unit, item: r.item, quantity: q, reason: "request \(id)")),
        .requestAllocated(id: id),
      ]

    case .rejectRequest(let id, let note):
      _ = try requireRequest(id, in: [.submitted])
      return [.requestRejected(id: id, note: try required(note, .note))]

    case .forwardRequest(let id, let q, let note):
      let r = try requireRequest(id, in: [.submitted])
      try checkQuantity(q, item: r.item)
      return [.requestForwarded(id: id, quantity: q, note: try optional(note, .note))]

    case .receiveForRequest(let id, let q):
      let r = try requireRequest(id, in: [.forwarded])
      try checkQuantity(q, item: r.item)
      try checkRoom(unit: r.unit, item: r.item, q)
      return [
        .stockMoved(
          StockMovement(unit: r.unit, item: r.item, kind: .cityAllocation, delta: q, reason: "request \(id)")),
        .requestReceived(id: id, quantity: q),
      ]

    case .acknowledgeAlert(let key):
      let a = try requireAlert(key)
      guard a.state == .open else { throw Refusal("alert.notOpen", [String(a.number)]) }
      return [.alertAcknowledged(key: key)]

    case .assignAlert(let key, let to):
      let a = try requireAlert(key)
      guard a.isActive else { throw Refusal("alert.resolved", [String(a.number)]) }
      return [.alertAssigned(key: key, to: try required(to, .to, max: Limits.name))]

    case .silenceAlert(let key, let minutes, let reason):
      let a = try requireAlert(key)
      guard a.isActive else { throw Refusal("alert.resolved", [String(a.number)]) }
      guard Limits.silenceMinutes.contains(minutes) else { throw Refusal("silence.duration", field: .minutes) }
      return [
        .alertSilenced(
          key: key, until: context.now.adding(minutes: Int64(minutes)), reason: try required(reason, .reason))
      ]

    case .resolveAlert(let key, let note):
      let a = try requireAlert(key)
      guard a.isActive else { throw Refusal("alert.resolved", [String(a.number)]) }
      return [.alertResolved(key: key, note: try required(note, .note))]

    case .addUnit, .updateUnit, .retireUnit, .addSite, .updateSite, .retireSite, .addItem, .updateItem, .retireItem,
      .addPerson, .updatePerson, .retirePerson, .changeSettings:
      return try administration(command)

    case .logEntry, .closeFollowUp, .voidLogEntry, .reportUp, .acknowledgeReport, .replyReport, .replyDirective:
      return try dutyLog(command)

    case .openFundLine, .recordFundIncome, .recordFundExpense, .approveExpense, .rejectExpense, .reverseFundEntry:
      return try fund(command)
    case .startCampaign, .recordDonation, .voidDonation, .handOverDonations:
      return try donations(command)
    case .setChecklist, .recordInspection, .raiseFinding, .rectifyFinding, .verifyFinding:
      return try oversight(command)

    case .formTeam, .deploy, .recallDeployment:
      return try teams(command)
    }
  }

  // MARK: Checks shared by the commands

  @discardableResult
  // Ids are bounded before they are looked up, so a refusal never echoes a megabyte.
  func requireUnit(_ id: String, field: CommandField = .unit) throws(Refusal) -> OrgUnit {
    try Limits.check(id, max: Limits.identifier, field: field)
    guard let u = state.units[id] else { throw Refusal("unit.unknown", [id], field: field) }
    return u
  }
  @discardableResult
  func requireSite(_ id: String) throws(Refusal) -> Site {
    try Limits.check(id, max: Limits.identifier, field: .site)
    guard let s = state.sites[id] else { throw Refusal("site.unknown", [id], field: .site) }
    return s
  }
  @discardableResult
  func requireItem(_ id: String) throws(Refusal) -> SupplyItem {
    try Limits.check(id, max: Limits.identifier, field: .item)
    guard let i = state.items[id] else { throw Refusal("item.unknown", [id], field: .item) }
    return i
  }
  @discardableResult
  func requirePerson(_ id: String) throws(Refusal) -> Person {
    try Limits.check(id, max: Limits.identifier, field: .person)
    guard let p = state.people[id] else { throw Refusal("person.unknown", [id], field: .person) }
    return p
  }
  private func requireRequest(_ id: String, in allowed: Set<ShortageRequest.Status>) throws(Refusal) -> ShortageRequest
  {
    try Limits.check(id, max: Limits.identifier, field: .id)
    guard let r = state.requests[id] else { throw Refusal("request.unknown", [id], field: .id) }
    guard allowed.contains(r.status) else { throw Refusal("request.state", [id, r.status.rawValue]) }
    return r
  }
  private func requireAlert(_ key: AlertKey) throws(Refusal) -> Alert {
    try Limits.check(key.description, max: Limits.alertKey, field: .alert)
    guard let a = state.alerts[key] else { throw Refusal("alert.unknown", [key.description]) }
    return a
  }
  func required(_ text: String, _ field: CommandField, max: Int = Limits.line) throws(Refusal) -> String {
    let t = UserText.clean(text)
    guard !t.isEmpty else { throw Refusal("field.required", field: field) }
    return try Limits.check(t, max: max, field: field)
  }
  func optional(_ text: String, _ field: CommandField, max: Int = Limits.line) throws(Refusal) -> String {
    try Limits.check(UserText.clean(text), max: max, field: field)
  }
  private func checkReading(_ c: Celsius, field: CommandField) throws(Refusal) {
    let r = state.settings.plausibleReadings
    guard r.contains(c) else {
      throw Refusal(
        "reading.outOfRange", [c.description, r.lowerBound.description, r.upperBound.description], field: field)
    }
  }
  func checkQuantity(_ q: Quantity, item: String) throws(Refusal) {
    let i = try requireItem(item)
    guard q.milli > 0 else { throw Refusal("quantity.notPositive", field: .quantity) }
    try checkAtMost(q, Limits.quantity, field: .quantity)
    guard !i.wholePieces || q.isWhole else { throw Refusal("quantity.fraction", [item], field: .quantity) }
  }
  private func checkAtMost(_ q: Quantity, _ limit: Quantity, field: CommandField) throws(Refusal) {
    guard q <= limit else {
      throw Refusal("quantity.tooLarge", [field.rawValue, q.description, limit.description], field: field)
    }
  }
  /// A unit's balance of one item stays within `Limits.balance`.
  private func checkRoom(unit: String, item: String, _ q: Quantity) throws(Refusal) {
    let have = state.stock[StockKey(unit: unit, item: item)]?.balance ?? .zero
    guard have + q <= Limits.balance else {
      throw Refusal(
        "stock.balanceTooLarge", [have.description, q.description, Limits.balance.description], field: .quantity)
    }
  }
  private func checkAvailable(unit: String, item: String, _ q: Quantity) throws(Refusal) {
    let have = state.stock[StockKey(unit: unit, item: item)]?.balance ?? .zero
    guard q <= have else { throw Refusal("stock.insufficient", [have.description, q.description], field: .quantity) }
  }

  /// Registrations are checked in order against the state as it would be
  /// after the earlier ones, so a batch may register a unit and then its sites.
  private func register(_ events: [CordonEvent]) throws(Refusal) -> [CordonEvent] {
    var s = state
    func fits(_ n: LocalizedName) -> Bool { Self.fits(n.zh, Limits.name) && Self.fits(n.en, Limits.name) }
    for (i, e) in events.enumerated() {
      switch e {
      case .unitRegistered(let u):
        guard Self.isIdentifier(u.id), !u.name.zh.isEmpty, fits(u.name) else {
          throw Refusal("register.invalid", [String(i + 1), "unit"])
        }
      case .personRegistered(let p):
        guard Self.isIdentifier(p.id), !p.name.isEmpty, Self.fits(p.name, Limits.name), Self.fits(p.phone, Limits.name),
          s.units[p.unit] != nil
        else {
          throw Refusal("register.invalid", [String(i + 1), "person"])
        }
      case .siteRegistered(let site):
        guard Self.isIdentifier(site.id), s.units[site.unit] != nil, fits(site.name),
          Limits.reportIntervalMinutes.contains(site.reportIntervalMinutes),
          Limits.perDay.contains(site.disinfectionsPerDay), Limits.perDay.contains(site.roundsPerDay),
          Limits.staff.contains(site.staffOnPost)
        else { throw Refusal("register.invalid", [String(i + 1), "site"]) }
      case .itemRegistered(let item):
        guard Self.isIdentifier(item.id), !item.name.zh.isEmpty, fits(item.name), fits(item.unitOfMeasure) else {
          throw Refusal("register.invalid", [String(i + 1), "item"])
        }
      case .settingsChanged(let st):
        guard st.plausibleReadings.contains(st.feverThreshold), Limits.ackTimeoutMinutes.contains(st.ackTimeoutMinutes),
          Limits.maxEscalations.contains(st.maxEscalations), Limits.restHours.contains(st.minimumRestHours),
          Limits.coverageLeadMinutes.contains(st.coverageLookaheadMinutes),
          (-720...840).contains(st.calendar.utcOffsetMinutes), st.coverWarningDays.isFinite,
          (0...365).contains(st.coverWarningDays),
          Limits.reportAckMinutes.contains(st.reportAckUrgentMinutes),
          Limits.reportAckMinutes.contains(st.reportAckImmediateMinutes),
          Limits.handoverConfirmMinutes.contains(st.handoverConfirmMinutes),
          st.fundApprovalThreshold.fen >= 0, st.fundApprovalThreshold <= Limits.money
        else {
          throw Refusal("register.invalid", [String(i + 1), "settings"])
        }
      case .minimumSet(let unit, let item, let m):
        guard s.units[unit] != nil, s.items[item] != nil, m.milli >= 0, m <= Limits.balance else {
          throw Refusal("register.invalid", [String(i + 1), "minimum"])
        }
      case .stockMoved(let m):
        guard s.units[m.unit] != nil, let item = s.items[m.item], m.delta.milli > 0, m.kind != .issued,
          !item.wholePieces || m.delta.isWhole, m.delta <= Limits.quantity, Self.fits(m.reason, Limits.line),
          (s.stock[StockKey(unit: m.unit, item: m.item)]?.balance ?? .zero) + m.delta <= Limits.balance
        else { throw Refusal("register.invalid", [String(i + 1), "stock"]) }
      case .shiftAssigned(let sh):
        guard Self.isIdentifier(sh.id), s.units[sh.unit] != nil, s.people[sh.person] != nil, sh.end > sh.start,
          sh.end.milliseconds(since: sh.start) <= 24 * 3_600_000, s.shifts[sh.id] == nil
        else {
          throw Refusal("register.invalid", [String(i + 1), "shift"])
        }
      default:
        throw Refusal("register.notRegistration", [String(i + 1)])
      }
      s.apply(
        EventRecord(seq: s.lastSeq + 1, time: context.now, actor: context.actor, unit: nil, commandID: nil, event: e))
    }
    return events
  }

  static func fits(_ s: String, _ max: Int) -> Bool { (try? Limits.check(s, max: max, field: "")) != nil }

  static func isIdentifier(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= Limits.identifier
      && s.unicodeScalars.allSatisfy {
        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == ".")
      }
  }
}
