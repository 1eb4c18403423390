package dev.otaclient.internal.image;

/** What to do when no CA chain is installed on the device. */
public enum TrustPolicy {
  /** Refuse every image while the CA store is empty (current upstream behaviour). */
  REQUIRE_CA,
  /**
   * With an empty CA store, check only the signature against the downloaded certificate, which anchors
   * trust in nothing (the 2022 Python client's behaviour). Named loudly so nobody enables it by accident;
   * for development rigs only. Has no effect when a CA chain is installed.
   */
  INSECURE_SKIP_CHAIN_CHECK_NO_CA_INSTALLED
}
