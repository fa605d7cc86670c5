import Foundation
import TOMLKit

/// The user's config file: theme, language, bell and key overrides.
///
///     theme = "high-contrast"
///     lang = "en"
///     bell = true
///     ascii = true        # borders in ASCII; unset: detected (see AmbiguousWidthProbe)
///     mouse = false       # clicks and the wheel (on by default)
///     [keys]
///     quit = ["q", "F10"]
public struct ConsoleConfig: Sendable {
  public var theme: String?
  public var lang: String?
  public var bell = false
  /// true/false from the file; nil: detect whether the terminal draws ambiguous characters wide.
  public var ascii: Bool?
  /// Clicks and the wheel; off lets the terminal select text as usual.
  public var mouse = true
  public var keymap = KeyMap.defaults
  public init() {}

  public struct Invalid: Error, CustomStringConvertible {
    public var description: String
  }

  public static func load(path: String?, environment env: [String: String]) throws -> ConsoleConfig {
    let file: String
    if let path {
      file = path
    } else {
      let base =
        env["XDG_CONFIG_HOME"].map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: env["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".config")
      file = base.appendingPathComponent("cordon/config.toml").path
      guard FileManager.default.fileExists(atPath: file) else { return ConsoleConfig() }
    }
    let text: String
    do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
      throw Invalid(description: "\(file): cannot read: \(error.localizedDescription)")
    }
    return try parse(text, file: file)
  }

  public static func parse(_ text: String, file: String) throws -> ConsoleConfig {
    let table: TOMLTable
    do { table = try TOMLTable(string: text) } catch {
      throw Invalid(description: "\(file): \(error)")
    }
    var c = ConsoleConfig()
    for key in table.keys {
      guard let value = table[key] else { continue }
      switch key {
      case "theme":
        guard let s = value.string else { throw Invalid(description: "\(file): theme must be a string") }
        c.theme = s
      case "lang":
        guard let s = value.string, ["zh", "en"].contains(s) else {
          throw Invalid(description: "\(file): lang must be \"zh\" or \"en\"")
        }
        c.lang = s
      case "bell":
        guard let b = value.bool else { throw Invalid(description: "\(file): bell must be true or false") }
        c.bell = b
      case "ascii":
        guard let b = value.bool else { throw Invalid(description: "\(file): ascii must be true or false") }
        c.ascii = b
      case "mouse":
        guard let b = value.bool else { throw Invalid(description: "\(file): mouse must be true or false") }
        c.mouse = b
      case "keys":
        guard let keys = value.table else { throw Invalid(description: "\(file): [keys] must be a table") }
        var overrides: [String: [String]] = [:]
        for action in keys.keys {
          if let one = keys[action]?.string {
            overrides[action] = [one]
          } else if let many = keys[action]?.array {
            overrides[action] = many.compactMap { $0.string }
          } else {
            throw Invalid(description: "\(file): keys.\(action) must be a key name or a list of them")
          }
        }
        do { c.keymap = try KeyMap.defaults.overriding(overrides, file: file) } catch {
          throw Invalid(description: error.description)
        }
      default:
        throw Invalid(description: "\(file): unknown key '\(key)'")
      }
    }
    return c
  }
}
