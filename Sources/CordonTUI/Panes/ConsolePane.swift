import CordonModel
import EventSourcing

/// What a pane's pure functions are given.
public struct PaneContext {
  public var state: CordonState
  public var now: Instant
  public var strings: Strings
  public var options: PaneOptions
  /// The console's alert queue, kept change by change (nil: built from the state).
  var alertQueue: AlertQueue? = nil
  /// The console's checkpoint order, kept change by change (nil: built from the state).
  var checkpointOrder: CheckpointOrder? = nil
}

/// View options a pane's actions toggle, kept by the console model.
public struct PaneOptions: Sendable, Equatable {
  public var groupCheckpointsByUnit = false
  /// What the organisation view shows.
  public var org = OrgPane.Scope()
  /// What the fund view shows.
  public var fund = FundPane.Section.lines
  public init() {}
}

/// One pane of the console: its table and details as pure functions of the
/// state, its counts for the tab strip, and its actions. The layout, the tab
/// strip, number keys, `:` commands, dispatch, the hint bar and the help are
/// all driven by `Panes.all`, so a pane is its file plus one line there.
public protocol ConsolePane: Sendable {
  var kind: PaneKind { get }
  /// The pane's rows.
  func table(_ c: PaneContext) -> TableData
  /// What Enter shows for a row: a title and lines.
  func detail(rowID: String, _ c: PaneContext) -> (String, [String])
  /// Numbers for the tab strip and the box title, computed once per data change and minute.
  func counts(state: CordonState, now: Instant) -> [Int]
  /// Text after the pane's name in the tab strip (" !2").
  func badge(_ counts: [Int], _ t: Strings) -> String
  /// Text after the pane's name in its box title.
  func titleSuffix(_ counts: [Int], _ t: Strings) -> String
  /// Drawn at the right end of the tab strip, so its counts always show.
  var pinnedTab: Bool { get }
  /// Whether the counts call for attention (the pinned tab turns red).
  func alarming(_ counts: [Int]) -> Bool
  /// The keys that act on this pane.
  var actions: [ConsoleAction] { get }
  /// The parts of the state its rows and counts read: a change elsewhere
  /// keeps them as they are (`ChangeTrail`). Everything, unless a pane says less.
  var reads: ChangeTrail.Areas { get }
  /// The parts of the state its `counts` read (less than `reads` when the rows read more).
  var countsRead: ChangeTrail.Areas { get }
  /// When the pane's one count is the number of active alerts of a rule:
  /// the console reads it from its alert queue instead of calling `counts`.
  var countsActiveAlerts: RuleID? { get }
  /// Lines the help adds under this pane's keys.
  func helpNote(_ t: Strings) -> [String]
}

extension ConsolePane {
  public func counts(state: CordonState, now: Instant) -> [Int] { [] }
  public func badge(_ counts: [Int], _ t: Strings) -> String { "" }
  public func titleSuffix(_ counts: [Int], _ t: Strings) -> String { "" }
  public var pinnedTab: Bool { false }
  public func alarming(_ counts: [Int]) -> Bool { false }
  public var actions: [ConsoleAction] { [] }
  public var reads: ChangeTrail.Areas { .all }
  public var countsRead: ChangeTrail.Areas { reads }
  public var countsActiveAlerts: RuleID? { nil }
  public func helpNote(_ t: Strings) -> [String] { [] }
}

/// The panes, in tab order. The first four share the grid at 120x36 and up;
/// any further pane is reached through the tab strip, Tab and its number.
public enum Panes {
  public static let all: [any ConsolePane] = [
    RosterPane(), CheckpointPane(), StockPane(), AlertPane(), DutyPane(),
  ]

  /// Panes outside the tab strip, opened by their `:` command (the organisation view, the fund, the inspections, the teams).
  public static let views: [any ConsolePane] = [OrgPane(), FundPane(), InspectionPane(), TeamPane()]

  static let kinds = all.map(\.kind)
  private static let byKind = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.kind, $0) })

  public static func pane(_ kind: PaneKind) -> any ConsolePane {
    views.first { $0.kind == kind } ?? all[index(of: kind)]
  }
  static func index(of kind: PaneKind) -> Int { byKind[kind] ?? 0 }
  /// The pane after (or before) `kind` in tab order, wrapping.
  static func neighbour(of kind: PaneKind, by step: Int) -> PaneKind {
    kinds[((index(of: kind) + step) % kinds.count + kinds.count) % kinds.count]
  }
}
