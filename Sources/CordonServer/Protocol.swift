/// The wire protocol between `cordon serve` and its consoles.
public enum WireProtocol {
  public static let version = 1
}
