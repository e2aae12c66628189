// The video room: WebRTC between the two browsers, signalling through Confide (ADR 0021).
// Media never goes to Confide: only offers, answers and ICE candidates (JSON) are posted, and
// the safety code is computed here, from the DTLS certificate fingerprints the connection uses.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("room-config").textContent);
  const csrf = document.body.dataset.csrfToken;
  const $ = (id) => document.getElementById(id);
  const clinician = config.side === "clinician";
  const POLL_MS = 1000;

  let token = config.token;
  let iceServers = config.iceServers;
  let pc = null;
  let pcGeneration = -1;
  let lastSignal = 0;
  let pending = [];
  let localStream = null;
  let audioOnly = false;
  let joined = false;
  let timer = null;
  let state = null;
  let checkShown = false;
  let lastStats = null;

  const room = { get pc() { return pc; }, get state() { return state; }, safetyCode: null, codeSource: null };
  window.confideRoom = room;

  function status(text) { $("room-status").textContent = text; }

  async function call(action, extra = {}) {
    const response = await fetch(config.signalUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ action, token, ...extra }),
    });
    let body = {};
    try { body = await response.json(); } catch (_) { body = {}; }
    if (body.token) token = body.token;
    if (!response.ok) {
      const error = new Error(body.error || `The server answered ${response.status}.`);
      error.status = response.status;
      error.body = body;
      throw error;
    }
    return body;
  }

  function send(kind, data, generation) {
    call("send", { kind, data, generation }).catch((error) => {
      if (error.status !== 409) status(error.message);
    });
  }

  // ------------------------------------------------------------------ media

  async function startMedia() {
    try {
      localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    } catch (_) {
      localStream = await navigator.mediaDevices.getUserMedia({ audio: true });
      audioOnly = true;
      status("No camera could be used: the session is audio only.");
    }
    $("local-video").srcObject = localStream;
    showAudioOnly();
  }

  function stopMedia() {
    if (localStream) localStream.getTracks().forEach((track) => track.stop());
    localStream = null;
    $("local-video").srcObject = null;
  }

  function cameraTrack() { return localStream ? localStream.getVideoTracks()[0] || null : null; }

  function videoSender() {
    if (!pc) return null;
    const transceiver = pc.getTransceivers().find((t) => t.receiver.track && t.receiver.track.kind === "video");
    return transceiver ? transceiver.sender : null;
  }

  function showAudioOnly() {
    const button = $("audio-only");
    button.setAttribute("aria-pressed", String(audioOnly));
    button.textContent = audioOnly ? "Turn the camera back on" : "Audio only";
    button.disabled = !cameraTrack();
    $("local-video").hidden = audioOnly;
  }

  async function setAudioOnly(on) {
    audioOnly = on;
    const track = cameraTrack();
    if (track) track.enabled = !on;
    const sender = videoSender();
    if (sender) await sender.replaceTrack(on ? null : track);
    showAudioOnly();
  }

  // ------------------------------------------------------------------ the peer connection

  function closePeer() {
    if (pc) { pc.onicecandidate = null; pc.ontrack = null; pc.onconnectionstatechange = null; pc.close(); }
    pc = null;
    pending = [];
    lastStats = null;
    $("remote-video").srcObject = null;
  }

  function newPeer(generation) {
    closePeer();
    pcGeneration = generation;
    pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: config.relayOnly ? "relay" : "all" });
    const remote = new MediaStream();
    $("remote-video").srcObject = remote;
    pc.ontrack = (event) => { remote.addTrack(event.track); };
    pc.onicecandidate = (event) => {
      if (event.candidate && event.candidate.candidate) send("candidate", event.candidate.toJSON(), generation);
    };
    pc.onconnectionstatechange = () => {
      if (!pc) return;
      const labels = { connecting: "Connecting…", connected: "Connected.", disconnected: "The connection dropped; trying again…",
        failed: "The connection failed. Leave and rejoin, or try audio only." };
      if (labels[pc.connectionState]) status(labels[pc.connectionState]);
      if (pc.connectionState === "connected") safetyCodeFromConnection();
    };
    return pc;
  }

  function addLocalTracks() {
    const track = cameraTrack();
    for (const t of localStream.getAudioTracks()) pc.addTrack(t, localStream);
    if (track) pc.addTrack(track, localStream);
    else pc.addTransceiver("video", { direction: "recvonly" });
    if (audioOnly && track) setAudioOnly(true);
  }

  async function offer(generation) {
    newPeer(generation);
    addLocalTracks();
    await pc.setLocalDescription(await pc.createOffer());
    send("offer", { type: "offer", sdp: pc.localDescription.sdp }, generation);
  }

  async function flushCandidates() {
    const queued = pending;
    pending = [];
    for (const candidate of queued) await pc.addIceCandidate(candidate).catch(() => {});
  }

  async function onSignal(signal) {
    if (!state || signal.generation !== state.generation) return;
    if (signal.kind === "offer" && !clinician) {
      newPeer(signal.generation);
      await pc.setRemoteDescription(signal.data);
      addLocalTracks();
      await pc.setLocalDescription(await pc.createAnswer());
      send("answer", { type: "answer", sdp: pc.localDescription.sdp }, signal.generation);
      await flushCandidates();
      safetyCodeFromDescriptions();
    } else if (signal.kind === "answer" && clinician && pc && pcGeneration === signal.generation
               && pc.signalingState === "have-local-offer") {
      await pc.setRemoteDescription(signal.data);
      await flushCandidates();
      safetyCodeFromDescriptions();
    } else if (signal.kind === "candidate") {
      if (pc && pcGeneration === signal.generation && pc.remoteDescription) await pc.addIceCandidate(signal.data).catch(() => {});
      else pending.push(signal.data);
    }
  }

  // ------------------------------------------------------------------ the safety code

  function fingerprintIn(sdp) {
    const found = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m.exec(sdp || "");
    return found ? `${found[1].toLowerCase()} ${found[2].toUpperCase()}` : null;
  }

  // Both sides hash the same two fingerprints in the same (sorted) order, so the code does not
  // depend on who is who: SHA-256, then four groups of five digits from 5-byte chunks.
  async function safetyCode(first, second) {
    const [a, b] = [first, second].sort();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256",
      new TextEncoder().encode(`confide-safety-code-v1\n${a}\n${b}`)));
    const groups = [];
    for (let i = 0; i < 4; i += 1) {
      let n = 0;
      for (let j = 0; j < 5; j += 1) n = n * 256 + digest[i * 5 + j];
      groups.push(String(n % 100000).padStart(5, "0"));
    }
    return groups.join(" ");
  }
  room.computeSafetyCode = safetyCode;

  async function showCode(local, remote, source) {
    if (!local || !remote) return;
    const code = await safetyCode(local, remote);
    room.safetyCode = code;
    room.codeSource = source;
    room.fingerprints = { local, remote };
    const element = $("safety-code");
    element.textContent = code;
    element.dataset.source = source;
  }

  function safetyCodeFromDescriptions() {
    if (!pc || !pc.localDescription || !pc.remoteDescription) return;
    showCode(fingerprintIn(pc.localDescription.sdp), fingerprintIn(pc.remoteDescription.sdp), "descriptions");
  }

  // Once connected, the fingerprints of the certificates the DTLS transport really uses.
  async function safetyCodeFromConnection() {
    if (!pc) return;
    const stats = await pc.getStats();
    let transport = null;
    stats.forEach((report) => { if (report.type === "transport" && report.localCertificateId) transport = report; });
    if (!transport) return;
    const cert = (id) => {
      const report = stats.get(id);
      return report ? `${report.fingerprintAlgorithm.toLowerCase()} ${report.fingerprint.toUpperCase()}` : null;
    };
    await showCode(cert(transport.localCertificateId), cert(transport.remoteCertificateId), "connection");
  }

  // ------------------------------------------------------------------ connection quality

  async function measure() {
    if (!pc || pc.connectionState !== "connected") {
      $("quality").textContent = "Connection quality: not connected.";
      return;
    }
    const stats = await pc.getStats();
    let rtt = null;
    let lost = 0;
    let received = 0;
    let relayed = false;
    stats.forEach((report) => {
      if (report.type === "candidate-pair" && report.state === "succeeded" && report.nominated) {
        if (typeof report.currentRoundTripTime === "number") rtt = report.currentRoundTripTime;
        const local = stats.get(report.localCandidateId);
        const remote = stats.get(report.remoteCandidateId);
        relayed = (local && local.candidateType === "relay") || (remote && remote.candidateType === "relay");
      }
      if (report.type === "inbound-rtp") { lost += report.packetsLost || 0; received += report.packetsReceived || 0; }
    });
    const before = lastStats || { lost: 0, received: 0 };
    lastStats = { lost, received };
    const dLost = Math.max(0, lost - before.lost);
    const dReceived = Math.max(0, received - before.received);
    const loss = dLost + dReceived > 0 ? dLost / (dLost + dReceived) : 0;
    let quality = "good";
    if ((rtt !== null && rtt > 0.6) || loss > 0.08) quality = "poor";
    else if ((rtt !== null && rtt > 0.3) || loss > 0.02) quality = "fair";
    const parts = [rtt !== null ? `${Math.round(rtt * 1000)} ms` : null, `${Math.round(loss * 100)}% lost`,
      relayed ? "through the relay" : "direct"].filter(Boolean);
    $("quality").textContent = `Connection quality: ${quality} (${parts.join(", ")}).`
      + (quality === "poor" && !audioOnly ? " Audio only may help." : "");
    $("quality").dataset.quality = quality;
  }

  // ------------------------------------------------------------------ the room's state

  function text(tag, value) { const element = document.createElement(tag); element.textContent = value; return element; }

  function showClientCheck(check) {
    const box = $("client-check");
    box.replaceChildren();
    if (!check) { box.append(text("p", "The client has not answered the privacy check yet.")); return; }
    const yes = (value) => (value ? "Yes" : "No");
    const list = document.createElement("dl");
    list.className = "check-list";
    const rows = [["Private space", yes(check.answers.private_space)], ["Headphones", yes(check.answers.headphones)],
      ["Others in the room", check.answers.alone ? "Nobody" : check.answers.others_note],
      ["Where the client is", check.location_name], ["Emergency contact for this session", check.answers.emergency_contact]];
    for (const [term, value] of rows) { list.append(text("dt", term), text("dd", value)); }
    box.append(text("h3", "Their privacy check"), list);
    const resources = check.resources;
    box.append(text("h3", `If there is an emergency (${check.location_name})`));
    if (resources) {
      box.append(text("p", `Emergency services: ${resources.emergency}. Crisis line: ${resources.name}, ${resources.call}`
        + (resources.status !== "confirmed" ? " (not yet checked against its source by a person)." : ".")));
    } else {
      box.append(text("p", "Confide has no emergency resources for this place: use the practice's own plan."));
    }
    const duty = check.duty_to_warn;
    if (duty) {
      box.append(text("p", `Duty to warn or protect: ${duty.title}. ${duty.summary} (${duty.citation}; ${duty.status}).`));
    } else {
      box.append(text("p", "Confide has no duty-to-warn rule for this place."));
    }
  }

  async function onState(next) {
    state = next;
    if (next.ended) {
      stop();
      status("The session has ended.");
      return;
    }
    if (!clinician) {
      $("waiting-room").hidden = next.admitted;
      if (!next.admitted) status("You are in the waiting room.");
      else if (!next.peer_present) status("Waiting for your clinician to join…");
    } else {
      $("waiting-panel").hidden = !next.client_waiting;
      if (next.client_waiting && !checkShown) {
        checkShown = true;
        call("check").then((body) => showClientCheck(body.clientCheck)).catch((error) => status(error.message));
        status("The client is in the waiting room.");
      }
      if (!next.client_waiting) checkShown = false;
      if (!next.in_call && next.admitted && !next.client_waiting) status("Waiting for the client to join…");
      if (!next.admitted && !next.client_waiting) status("The client has not arrived yet.");
    }
    if (!next.in_call) {
      if (pc) closePeer();
      return;
    }
    if (pc && pcGeneration !== next.generation) closePeer();
    if (clinician && !pc) await offer(next.generation);
  }

  async function poll() {
    timer = null;
    if (!joined) return;
    try {
      const body = await call("poll", { after: lastSignal });
      await onState(body.state);
      for (const signal of body.signals) {
        lastSignal = Math.max(lastSignal, signal.id);
        await onSignal(signal);
      }
      await measure();
    } catch (error) {
      status(error.status === 403 ? `${error.message} Reload the page to continue.` : error.message);
      if (error.status === 403) { stop(); $("rejoin").hidden = true; return; }
    }
    if (joined) timer = setTimeout(poll, POLL_MS);
  }

  async function join() {
    await startMedia();
    const body = await call("join");
    iceServers = body.iceServers || iceServers;
    joined = true;
    $("leave").hidden = false;
    $("rejoin").hidden = true;
    await onState(body.state);
    poll();
  }

  function stop() {
    joined = false;
    if (timer) clearTimeout(timer);
    timer = null;
    closePeer();
    stopMedia();
    $("leave").hidden = true;
  }

  async function leave() {
    stop();
    try { await call("leave"); } catch (error) { status(error.message); return; }
    status("You left the session. You can rejoin while the room is open.");
    $("rejoin").hidden = false;
  }

  // Closing the tab or navigating away leaves at once (the other side need not wait for the
  // presence timeout); `keepalive` lets the request outlive the page.
  window.addEventListener("pagehide", () => {
    if (!joined) return;
    joined = false;
    fetch(config.signalUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ action: "leave", token }),
    }).catch(() => {});
  });

  $("audio-only").addEventListener("click", () => { setAudioOnly(!audioOnly); });
  $("leave").addEventListener("click", leave);
  $("rejoin").addEventListener("click", () => { join().catch((error) => status(error.message)); });
  if (clinician) {
    $("admit").addEventListener("click", () => {
      call("admit").then((body) => onState(body.state)).catch((error) => status(error.message));
    });
    $("end").addEventListener("click", () => {
      call("end").then((body) => onState(body.state)).catch((error) => status(error.message));
    });
  }
  join().catch((error) => { status(error.message || "Confide could not start the session."); $("rejoin").hidden = false; });
})();
