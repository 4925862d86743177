// The page of `zoo serve`: try a served model on an image or sentences. No libraries, no build.
"use strict";

const $ = (id) => document.getElementById(id);
let models = [];
let apiKey = localStorage.getItem("zooApiKey") || "";

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (apiKey) h["Authorization"] = "Bearer " + apiKey;
  return h;
}

// fetch + JSON; errors become one sentence on the page (the server sends {"error": "..."})
async function call(path, options) {
  let response;
  try {
    response = await fetch(path, Object.assign({}, options, { headers: headers(options && options.headers) }));
  } catch (err) {
    throw new Error("The server cannot be reached (" + err.message + ").");
  }
  let body = null;
  try { body = await response.json(); } catch (err) { body = null; }
  if (response.status === 401) {
    $("key-box").hidden = false;
    throw new Error((body && body.error) || "This server needs an API key.");
  }
  if (!response.ok) {
    const what = (body && body.error) || response.statusText;
    const labels = { 413: "Too large", 503: "The server is busy", 504: "Timed out", 404: "Not found" };
    throw new Error((labels[response.status] ? labels[response.status] + ": " : "") + what);
  }
  return body;
}

function currentModel() {
  return models.find((m) => m.name === $("model").value);
}

async function loadModels() {
  showError("");
  const data = await call("/models");
  models = data.models;
  const select = $("model");
  select.innerHTML = "";
  for (const m of models) {
    const option = document.createElement("option");
    option.value = m.name;
    option.textContent = m.name + " (" + m.parameters.task + ")";
    select.appendChild(option);
  }
  $("key-box").hidden = true;
  $("status").textContent = models.length + " model(s) ready";
  switchPanel();
}

function switchPanel() {
  const m = currentModel();
  const task = m ? m.parameters.task : "";
  $("image-panel").hidden = !(task === "detection" || task === "segmentation");
  $("text-panel").hidden = task !== "translation";
}

function setJson(data) {
  const shown = JSON.parse(JSON.stringify(data));
  if (shown.overlay) shown.overlay = shown.overlay.slice(0, 40) + "…";
  if (shown.mask_png) shown.mask_png = shown.mask_png.slice(0, 40) + "…";
  $("json").textContent = JSON.stringify(shown, null, 1);
}

function swatch(color) {
  const s = document.createElement("span");
  s.className = "swatch";
  s.style.background = "rgb(" + color.join(",") + ")";
  return s;
}

function legendItem(color, text) {
  const li = document.createElement("li");
  li.appendChild(swatch(color));
  li.appendChild(document.createTextNode(text));
  return li;
}

async function runImage(file) {
  const m = currentModel();
  if (!m) return;
  showError("");
  if (file.type && !file.type.startsWith("image/")) {
    showError("Not an image: " + file.name + " is " + file.type + ".");
    return;
  }
  const form = new FormData();
  form.append("file", file, file.name || "photo.jpg");
  const route = m.parameters.task === "detection" ? "/detect" : "/segment";
  $("status").textContent = "running " + m.name + "…";
  try {
    const data = await call(route + "?overlay=true&model=" + encodeURIComponent(m.name), {
      method: "POST", body: form,
    });
    const img = $("result-image");
    img.onload = () => { img.dataset.ready = "1"; };
    img.dataset.ready = "";
    img.src = data.overlay;
    img.hidden = false;
    const legend = $("legend");
    legend.innerHTML = "";
    if (data.detections) {
      const counts = {};
      for (const d of data.detections) {
        counts[d.class] = counts[d.class] || { n: 0, color: d.color };
        counts[d.class].n += 1;
      }
      for (const [name, c] of Object.entries(counts)) legend.appendChild(legendItem(c.color, name + " × " + c.n));
      if (!data.detections.length) legend.appendChild(document.createTextNode("Nothing found."));
    } else {
      for (const c of data.classes) legend.appendChild(legendItem(c.color, c.name + " " + (100 * c.share).toFixed(1) + "%"));
    }
    setJson(data);
    $("status").textContent = m.name + ": done";
  } catch (err) {
    showError(err.message);
    $("status").textContent = "";
  }
}

// attention heatmap: target pieces down, source pieces across; darker = more attention
function heatmap(att) {
  const canvas = document.createElement("canvas");
  canvas.className = "heatmap";
  const cell = 22, left = 90, top = 64;
  const rows = att.target.length, cols = att.source.length;
  canvas.width = left + cols * cell + 4;
  canvas.height = top + rows * cell + 4;
  canvas.dataset.rows = rows;
  canvas.dataset.cols = cols;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.font = "12px sans-serif";
  g.fillStyle = "#222";
  att.target.forEach((p, r) => {
    g.textAlign = "right";
    g.fillText(p.replace(/\u2581/g, "_"), left - 4, top + r * cell + 15);
  });
  att.source.forEach((p, c) => {
    g.save();
    g.translate(left + c * cell + 15, top - 4);
    g.rotate(-Math.PI / 3);
    g.textAlign = "left";
    g.fillText(p.replace(/\u2581/g, "_"), 0, 0);
    g.restore();
  });
  att.weights.forEach((row, r) => row.forEach((w, c) => {
    const v = Math.round(255 * (1 - Math.min(1, Math.max(0, w))));
    g.fillStyle = "rgb(" + v + "," + v + "," + v + ")";
    g.fillRect(left + c * cell, top + r * cell, cell - 1, cell - 1);
  }));
  return canvas;
}

async function runText() {
  const m = currentModel();
  const texts = $("text").value.split("\n").map((s) => s.trim()).filter((s) => s);
  showError("");
  if (!texts.length) { showError("Type a sentence to translate."); return; }
  $("status").textContent = "translating…";
  try {
    const data = await call("/translate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ texts: texts, model: m.name, attention: true }),
    });
    const out = $("translations");
    out.innerHTML = "";
    data.translations.forEach((t, i) => {
      const div = document.createElement("div");
      div.className = "sentence";
      const src = document.createElement("div");
      src.textContent = texts[i];
      const dst = document.createElement("div");
      dst.className = "translation";
      dst.textContent = t;
      div.append(src, dst);
      if (data.attention && data.attention[i]) div.appendChild(heatmap(data.attention[i]));
      out.appendChild(div);
    });
    setJson(data);
    $("status").textContent = m.name + ": done";
  } catch (err) {
    showError(err.message);
    $("status").textContent = "";
  }
}

async function startCamera() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    $("camera").srcObject = stream;
    $("camera-box").hidden = false;
  } catch (err) {
    showError("The camera is not available here (" + err.message + ").");
  }
}

function snap() {
  const video = $("camera");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  canvas.toBlob((blob) => runImage(new File([blob], "camera.jpg", { type: "image/jpeg" })), "image/jpeg", 0.92);
}

function setup() {
  $("model").addEventListener("change", switchPanel);
  $("file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    e.target.value = "";  // the same file chosen again (another model) is a change too
    if (file) runImage(file);
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) runImage(e.dataTransfer.files[0]);
  });
  $("translate").addEventListener("click", runText);
  $("save-key").addEventListener("click", () => {
    apiKey = $("api-key").value.trim();
    localStorage.setItem("zooApiKey", apiKey);
    loadModels().catch((err) => showError(err.message));
  });
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    $("camera-button").hidden = false;
    $("camera-button").addEventListener("click", startCamera);
    $("snap").addEventListener("click", snap);
  }
  loadModels().catch((err) => { showError(err.message); $("status").textContent = ""; });
}

setup();
