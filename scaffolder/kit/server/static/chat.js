// The copilot chat page: streams answers from POST /chat (server-sent events read from the
// fetch body, since EventSource cannot POST), turns [label] citations into buttons that open
// the cited passage, and posts thumbs up/down to /feedback. Model text is only ever inserted
// as text nodes, never parsed as HTML.
"use strict";

(() => {
  const KEY_STORAGE = "copilot.apiKey";
  const CITATION = /\[([^\[\]\s]{1,40})\]/g;

  const $ = (id) => document.getElementById(id);
  const composer = $("composer");
  const input = $("message");
  const sendButton = $("send");
  const messages = $("messages");
  const empty = $("empty");
  const status = $("status");
  const keyForm = $("key-form");
  const keyInput = $("key-input");
  const panel = $("source-panel");

  let conversationId = null;
  let busy = false;
  let afterKey = null; // what to retry once the user gives an API key
  let panelOpener = null;

  function requestHeaders(accept) {
    const headers = { "Content-Type": "application/json", Accept: accept };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.Authorization = `Bearer ${key}`;
    return headers;
  }

  async function errorMessage(response) {
    try {
      const body = await response.json();
      if (typeof body.error === "string") return body.error;
    } catch (_) {
      // not JSON: fall through to the status line
    }
    return `the server answered ${response.status}`;
  }

  function askForKey(retry) {
    afterKey = retry;
    keyForm.hidden = false;
    status.textContent = "This server needs an API key.";
    keyInput.focus();
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function addUserMessage(text) {
    empty.hidden = true;
    const item = element("li", "message user");
    item.append(element("span", "visually-hidden", "You: "), document.createTextNode(text));
    messages.append(item);
  }

  function addAnswer() {
    const item = element("li", "message assistant");
    item.setAttribute("aria-busy", "true");
    item.append(element("span", "visually-hidden", "Copilot: "));
    const answer = element("div", "answer");
    item.append(answer);
    messages.append(item);
    return { item, answer };
  }

  function scrollToEnd(node) {
    node.scrollIntoView({ block: "end" });
  }

  // The finished answer: text nodes, with each [label] that names a source as a button.
  function renderAnswer(answer, text, sources) {
    const byLabel = new Map(sources.map((source) => [String(source.label), source]));
    answer.replaceChildren();
    let last = 0;
    for (const match of text.matchAll(CITATION)) {
      const source = byLabel.get(match[1]);
      if (!source) continue;
      answer.append(document.createTextNode(text.slice(last, match.index)));
      const button = element("button", "cite", `[${match[1]}]`);
      button.type = "button";
      const where = source.citation || source.source || "";
      button.setAttribute("aria-label", `Source ${match[1]}${where ? `: ${where}` : ""}`);
      button.addEventListener("click", () => openSource(match[1], source, button));
      answer.append(button);
      last = match.index + match[0].length;
    }
    answer.append(document.createTextNode(text.slice(last)));
  }

  function openSource(label, source, opener) {
    $("source-title").textContent = `Source [${label}]`;
    $("source-citation").textContent = source.citation || source.source || "";
    $("source-text").textContent = source.text || "";
    panel.hidden = false;
    panelOpener = opener;
    panel.focus();
  }

  function closeSource() {
    panel.hidden = true;
    if (panelOpener) panelOpener.focus();
    panelOpener = null;
  }

  function addFeedback(item, reply) {
    const bar = element("div", "feedback");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Rate this answer");
    const note = element("span", "feedback-note");
    const buttons = [];
    // Words rather than thumb emoji: they need no emoji font and read the same aloud.
    for (const [rating, label] of [
      ["up", "Helpful"],
      ["down", "Not helpful"],
    ]) {
      const button = element("button", `rate rate-${rating}`, label);
      button.type = "button";
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => rate(reply, rating, button, buttons, note));
      buttons.push(button);
      bar.append(button);
    }
    bar.append(note);
    item.append(bar);
  }

  async function rate(reply, rating, button, buttons, note) {
    const body = { conversation_id: reply.conversation_id, turn_id: reply.turn_id, rating };
    try {
      const response = await fetch("/feedback", {
        method: "POST",
        headers: requestHeaders("application/json"),
        body: JSON.stringify(body),
      });
      if (response.status === 401) {
        askForKey(() => rate(reply, rating, button, buttons, note));
        return;
      }
      if (!response.ok) {
        note.textContent = `Feedback not saved: ${await errorMessage(response)}`;
        return;
      }
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      note.textContent = "Thanks for the feedback.";
    } catch (error) {
      note.textContent = `Feedback not saved: ${error.message}`;
    }
  }

  function parseEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return data.length ? { event, data: JSON.parse(data.join("\n")) } : null;
  }

  async function readEvents(body, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const parsed = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (parsed) onEvent(parsed.event, parsed.data);
      }
    }
  }

  function fail(view, message) {
    view.item.classList.add("error");
    view.answer.textContent = `Sorry, that failed: ${message}`;
  }

  async function send(text) {
    busy = true;
    sendButton.disabled = true;
    status.textContent = "Answering\u2026";
    addUserMessage(text);
    const view = addAnswer();
    scrollToEnd(view.item);
    let streamed = "";
    let finished = false;
    try {
      const response = await fetch("/chat", {
        method: "POST",
        headers: requestHeaders("text/event-stream"),
        body: JSON.stringify({ message: text, conversation_id: conversationId }),
      });
      if (response.status === 401) {
        messages.lastElementChild.remove();
        messages.lastElementChild.remove();
        askForKey(() => send(text));
        return;
      }
      if (!response.ok) {
        fail(view, await errorMessage(response));
        return;
      }
      await readEvents(response.body, (event, data) => {
        if (event === "delta") {
          streamed += data.text;
          view.answer.textContent = streamed;
          scrollToEnd(view.item);
        } else if (event === "reply") {
          finished = true;
          conversationId = data.conversation_id;
          renderAnswer(view.answer, data.text, data.sources || []);
          addFeedback(view.item, data);
        } else if (event === "error") {
          finished = true;
          fail(view, data.error);
        }
      });
      if (!finished) fail(view, "the answer stopped before it was complete");
    } catch (error) {
      fail(view, error.message);
    } finally {
      view.item.setAttribute("aria-busy", "false");
      busy = false;
      sendButton.disabled = false;
      if (status.textContent === "Answering\u2026") status.textContent = "";
      if (keyForm.hidden) input.focus();
    }
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send(text);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    keyInput.value = "";
    keyForm.hidden = true;
    status.textContent = "";
    const retry = afterKey;
    afterKey = null;
    input.focus();
    if (retry) retry();
  });

  $("source-close").addEventListener("click", closeSource);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeSource();
  });

  $("new-conversation").addEventListener("click", () => {
    conversationId = null;
    messages.replaceChildren();
    empty.hidden = false;
    closeSource();
    input.focus();
  });

  input.focus();
})();
