package dev.otaclient.internal.ecu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otaclient.error.FailureType;
import dev.otaclient.status.EcuStatus;
import dev.otaclient.status.OtaStatus;
import dev.otaclient.status.Progress;
import dev.otaclient.status.UpdatePhase;
import dev.otaclient.status.UpdateProgress;
import dev.otaclient.status.UpdateStage;
import dev.otaclient.status.VersionDetail;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StatusViewsTest {
  static final UpdateProgress U = new UpdateProgress("2.0", 1000, 10, 1_700_000_000L, UpdateStage.APPLYING_UPDATE,
      4, 400, 3, 250, 300, 1, 2, 2, 8, 700, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(20),
      Duration.ofSeconds(30));

  @Test
  void v2ToV1FollowsThePythonProjection() {
    Progress p = StatusViews.toV1(U);
    assertThat(p.phase()).isEqualTo(UpdatePhase.REGULAR);
    assertThat(p.totalRegularFiles()).isEqualTo(10);
    assertThat(p.regularFilesProcessed()).isEqualTo(8);
    assertThat(p.filesProcessedDownload()).isEqualTo(3);
    assertThat(p.filesProcessedCopy()).isEqualTo(5);
    assertThat(p.filesProcessedLink()).isZero();
    assertThat(p.fileSizeProcessedDownload()).isEqualTo(300);
    assertThat(p.fileSizeProcessedCopy()).isEqualTo(400);
    assertThat(p.downloadBytes()).isEqualTo(250);
    assertThat(p.errorsDownload()).isEqualTo(1);
    assertThat(p.totalRegularFileSize()).isEqualTo(1000);
    assertThat(p.elapsedTimeCopy()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.elapsedTimeDownload()).isEqualTo(Duration.ofSeconds(20));
    assertThat(p.totalElapsedTime()).isEqualTo(Duration.ofSeconds(60));
  }

  @ParameterizedTest
  @EnumSource(UpdateStage.class)
  void everyV2PhaseHasAV1Phase(UpdateStage s) {
    UpdatePhase expected = switch (s) {
      case INITIALIZING, DOWNLOADING_OTA_CLIENT -> UpdatePhase.INITIAL;
      case PROCESSING_METADATA -> UpdatePhase.METADATA;
      case CALCULATING_DELTA, DOWNLOADING_OTA_FILES, APPLYING_UPDATE -> UpdatePhase.REGULAR;
      case PROCESSING_POSTUPDATE, FINALIZING_UPDATE -> UpdatePhase.POST_PROCESSING;
    };
    assertThat(StatusViews.v1Phase(s)).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(UpdatePhase.class)
  void aV1PhaseNeedsTheNetworkUntilItsFilesArePlaced(UpdatePhase p) {
    boolean early = p.compareTo(UpdatePhase.REGULAR) <= 0;
    assertThat(StatusViews.v2Phase(p).needsNetwork()).as(p.name()).isEqualTo(early);
  }

  @Test
  void v1ShowsLaterStatusesAs2022Values() {
    EcuStatus client = status(OtaStatus.CLIENT_UPDATING).withUpdate(Optional.of(U));
    assertThat(StatusViews.v1(client).status()).isEqualTo(OtaStatus.UPDATING);
    assertThat(StatusViews.v1(status(OtaStatus.ABORTING)).status()).isEqualTo(OtaStatus.UPDATING);
    EcuStatus aborted = StatusViews.v1(status(OtaStatus.ABORTED));
    assertThat(aborted.status()).isEqualTo(OtaStatus.FAILURE);
    assertThat(aborted.failure()).isEqualTo(FailureType.RECOVERABLE);
    assertThat(aborted.failureReason()).isEqualTo("update aborted on request (status ABORTED)");
    assertThat(StatusViews.v1(status(OtaStatus.SUCCESS))).isEqualTo(status(OtaStatus.SUCCESS));
  }

  @Test
  void mergeTakesV2AndKeepsTheV1ProgressAndAFailureReasonV2DidNotGive() {
    Progress v1Progress = new Progress(UpdatePhase.PERSISTENT, 10, 9, 4, 2, 3, 40, 20, 30, Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(3), 0, 100, Duration.ofSeconds(9), 25);
    EcuStatus fromV1 = new EcuStatus("x", OtaStatus.UPDATING, FailureType.NO_FAILURE, "", "1", Optional.of(v1Progress));
    EcuStatus fromV2 = new EcuStatus("x", OtaStatus.UPDATING, FailureType.NO_FAILURE, "", "1", Optional.empty(),
        "3.12", new VersionDetail("", "r", "i", "m"), Optional.of(U), "");
    EcuStatus m = StatusViews.merge(fromV1, fromV2);
    assertThat(m.progress()).contains(v1Progress);
    assertThat(m.update()).contains(U);
    assertThat(m.otaclientVersion()).isEqualTo("3.12");

    EcuStatus failedV1 = new EcuStatus("x", OtaStatus.FAILURE, FailureType.RECOVERABLE, "E1-0103-100: network", "1",
        Optional.empty());
    EcuStatus failedV2 = new EcuStatus("x", OtaStatus.FAILURE, FailureType.NO_FAILURE, "", "1", Optional.empty());
    assertThat(StatusViews.merge(failedV1, failedV2).failureReason()).isEqualTo("E1-0103-100: network");
    assertThat(StatusViews.merge(failedV1, failedV2).failure()).isEqualTo(FailureType.RECOVERABLE);
  }

  private static EcuStatus status(OtaStatus s) {
    return new EcuStatus("x", s, FailureType.NO_FAILURE, "", "1", Optional.empty());
  }
}
