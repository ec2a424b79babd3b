-- A check in the style most operators' health scripts take (our own): Ready/Stalled conditions,
-- observedGeneration, a message built from numbers.
local hs = { status = "Progressing", message = "Waiting for the controller" }
if obj.status == nil then return hs end
if obj.status.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and (tonumber(obj.status.observedGeneration) or 0) < obj.metadata.generation then
  hs.message = "Waiting for generation " .. obj.metadata.generation .. " (observed " .. obj.status.observedGeneration .. ")"
  return hs
end
if obj.status.conditions ~= nil then
  for i, c in ipairs(obj.status.conditions) do
    if c.type == "Stalled" and c.status == "True" then
      return { status = "Degraded", message = c.message or "Stalled" }
    end
    if c.type == "Ready" or c.type == "Available" then
      if c.status == "True" then return { status = "Healthy", message = c.message or "" } end
      if c.status == "False" then return { status = "Degraded", message = c.message or c.reason or "" } end
    end
  end
  hs.message = table.getn(obj.status.conditions) .. " condition(s), none decisive"
end
return hs
