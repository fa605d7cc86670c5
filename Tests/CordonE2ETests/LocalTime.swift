import Foundation

/// A local (UTC+8) time `hours` from now, to the minute, as `cordon post` and the CSV importers read it.
func local(_ hours: Double) -> String {
  let f = DateFormatter()
  f.locale = Locale(identifier: "en_US_POSIX")
  f.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
  f.dateFormat = "yyyy-MM-dd HH:mm"
  return f.string(from: Date().addingTimeInterval(hours * 3600))
}
