import Testing
@testable import SessionSyncd

/// ListenCheck without I/O: hot standby episodes, test notifications, the warning.
@Suite struct ListenCheckTests {
    let t0 = ContinuousClock.now

    @Test func aHotStandbyIsRefusedWithOneLogLinePerEpisodeAndTheWarningClearsOnAPrimary() {
        var c = ListenCheck(instance: "a")
        let r1 = c.connected(inRecovery: false)
        #expect(r1 == .use(recovered: false))
        #expect(c.warning == nil)
        let r2 = c.connected(inRecovery: true)
        #expect(r2 == .refuse(log: true))
        #expect(c.warning == ListenCheck.standbyWarning)
        let r3 = c.connected(inRecovery: true)
        #expect(r3 == .refuse(log: false))
        let r4 = c.connected(inRecovery: true)
        #expect(r4 == .refuse(log: false))
        let r5 = c.connected(inRecovery: false)
        #expect(r5 == .use(recovered: true))
        #expect(c.warning == nil)
        let r6 = c.connected(inRecovery: false)
        #expect(r6 == .use(recovered: false))
        let r7 = c.connected(inRecovery: true)  // a new episode
        #expect(r7 == .refuse(log: true))
    }

    @Test func aTestNotificationReceivedInTimeLeavesNoWarning() {
        var c = ListenCheck(instance: "a", probeTimeout: .seconds(10))
        let payload = c.listening(now: t0)
        #expect(payload.hasPrefix(ListenCheck.probePrefix))
        #expect(c.deadline == t0 + .seconds(10))
        let r8 = c.check(now: t0 + .seconds(9))
        #expect(!r8)
        let r9 = c.received(payload: payload)
        #expect(r9 == .probe(recovered: false))
        #expect(c.deadline == nil)
        let r10 = c.check(now: t0 + .seconds(60))
        #expect(!r10)
        #expect(c.warning == nil)
    }

    @Test func anOverdueTestNotificationLogsOnceSetsTheWarningAndALaterOneClearsIt() {
        var c = ListenCheck(instance: "a", probeTimeout: .seconds(10))
        let first = c.listening(now: t0)
        let r11 = c.check(now: t0 + .seconds(10))
        #expect(r11)
        #expect(c.warning == ListenCheck.poolerWarning(.seconds(10)))
        #expect(c.warning!.contains("pool_mode = transaction"))
        let r12 = c.check(now: t0 + .seconds(11))  // nothing awaited any more
        #expect(!r12)
        // The overdue one arriving late is not awaited: ignored, the warning stays.
        let r13 = c.received(payload: first)
        #expect(r13 == .otherProbe)
        #expect(c.warning != nil)
        // Probing again: a second timeout is not logged again.
        _ = c.listening(now: t0 + .seconds(20))
        let r14 = c.check(now: t0 + .seconds(30))
        #expect(!r14)
        #expect(c.warning != nil)
        // One that arrives clears it.
        let third = c.listening(now: t0 + .seconds(40))
        let r15 = c.received(payload: third)
        #expect(r15 == .probe(recovered: true))
        #expect(c.warning == nil)
    }

    @Test func sessionsAndOtherInstancesProbesAreToldApart() {
        var a = ListenCheck(instance: "a")
        var b = ListenCheck(instance: "b")
        let fromB = b.listening(now: t0)
        _ = a.listening(now: t0)
        let r16 = a.received(payload: fromB)
        #expect(r16 == .otherProbe)
        #expect(a.deadline != nil)  // still waiting for its own
        let r17 = a.received(payload: "0123456789abcdef0123456789abcdef01234567")
        #expect(r17 == .session)
        let r18 = a.received(payload: "")
        #expect(r18 == .session)
    }

    @Test func aLostListenConnectionCancelsTheAwaitedNotification() {
        var c = ListenCheck(instance: "a", probeTimeout: .seconds(10))
        _ = c.listening(now: t0)
        c.disconnected()
        #expect(c.deadline == nil)
        let r19 = c.check(now: t0 + .seconds(30))
        #expect(!r19)
        #expect(c.warning == nil)
    }

    @Test func theStandbyWarningWinsOverThePoolerOne() {
        var c = ListenCheck(instance: "a", probeTimeout: .seconds(1))
        _ = c.listening(now: t0)
        let r20 = c.check(now: t0 + .seconds(2))
        #expect(r20)
        let r21 = c.connected(inRecovery: true)
        #expect(r21 == .refuse(log: true))
        #expect(c.warning == ListenCheck.standbyWarning)
        let r22 = c.connected(inRecovery: false)
        #expect(r22 == .use(recovered: true))
        #expect(c.warning == ListenCheck.poolerWarning(.seconds(1)))
    }
}
